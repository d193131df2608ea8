package dev.lazypull.registry.remote;

import dev.lazypull.oci.Deadline;
import dev.lazypull.oci.Digest;
import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.RegistryException;
import dev.lazypull.registry.http.HttpResult;
import dev.lazypull.registry.http.RequestBody;
import dev.lazypull.registry.remote.RegistryEndpoint.Call;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One blob upload: POST to open a session, then PUT the content (monolithic) or PATCH it in chunks
 * and PUT to close. Its requests are not idempotent one by one (a session moves on with each
 * chunk), so a failure restarts the whole upload with a new session, up to the configured
 * attempts; a 4xx answer is final.
 */
final class BlobUpload {
  private final RemoteStore store;
  private final Digest digest;
  private final String where;

  BlobUpload(RemoteStore store, Digest digest) {
    this.store = store;
    this.digest = digest;
    this.where = store.name() + "@" + digest;
  }

  void monolithic(RequestBody content) throws IOException {
    restarting(() -> {
      URI session = open();
      finish(session, content);
    });
  }

  void chunked(Path file, long size, int chunkSize) throws IOException {
    restarting(() -> {
      URI session = open();
      for (long offset = 0; offset < size; offset += chunkSize) {
        long length = Math.min(chunkSize, size - offset);
        Call patch = new Call(HttpMethod.PATCH, session,
            List.of(Map.entry("Content-Type", "application/octet-stream"), Map.entry("Content-Range", offset + "-" + (offset + length - 1))),
            new RequestBody.FileRange(file, offset, length), store.pushScope(), false, false, where);
        session = store.hosts().onPushHost(patch, r -> {
          if (r.status() != 202) {
            throw RegistryEndpoint.error(r, where, ErrorCode.BLOB_UPLOAD_UNKNOWN);
          }
          return location(r);
        });
      }
      finish(session, RequestBody.EMPTY);
    });
  }

  /** Cross-repository mount; true when the registry mounted the blob. */
  boolean mount(String from) throws IOException {
    URI uri = store.repoUri("/blobs/uploads/?mount=" + digest + "&from=" + RemoteStore.encode(from));
    Call post = new Call(HttpMethod.POST, uri, List.of(), RequestBody.EMPTY, store.mountScope(from), false, false, where);
    URI session = store.hosts().onPushHost(post, r -> {
      if (r.status() == 201) {
        return null;
      }
      if (r.status() == 202) {
        return location(r); // not mounted: the registry opened a normal upload instead
      }
      throw RegistryEndpoint.error(r, where, ErrorCode.BLOB_UNKNOWN);
    });
    if (session == null) {
      return true;
    }
    cancel(session);
    return false;
  }

  private URI open() throws IOException {
    Call post = new Call(HttpMethod.POST, store.repoUri("/blobs/uploads/"), List.of(), RequestBody.EMPTY, store.pushScope(), false, false, where);
    return store.hosts().onPushHost(post, r -> {
      if (r.status() != 202) {
        throw RegistryEndpoint.error(r, where, ErrorCode.NAME_UNKNOWN);
      }
      return location(r);
    });
  }

  private void finish(URI session, RequestBody content) throws IOException {
    String query = session.getRawQuery();
    URI put = URI.create(session.toString() + (query == null ? "?" : "&") + "digest=" + RemoteStore.encode(digest.toString()));
    Call call = new Call(HttpMethod.PUT, put, List.of(Map.entry("Content-Type", "application/octet-stream")), content,
        store.pushScope(), false, false, where);
    store.hosts().onPushHost(call, r -> {
      if (r.status() != 201) {
        throw RegistryEndpoint.error(r, where, ErrorCode.BLOB_UPLOAD_INVALID);
      }
      r.body().readAll(64 << 10);
      return null;
    });
  }

  private void cancel(URI session) {
    try {
      Call delete = new Call(HttpMethod.DELETE, session, List.of(), RequestBody.EMPTY, store.pushScope(), false, false, where);
      store.hosts().onPushHost(delete, r -> null);
    } catch (IOException e) {
      // An abandoned session expires on the registry; nothing to repair here.
    }
  }

  private URI location(HttpResult r) throws IOException {
    String location = r.header("Location");
    r.body().readAll(64 << 10);
    if (location == null) {
      throw new RegistryException(ErrorCode.BLOB_UPLOAD_INVALID, where, r.status(), "upload answer without Location", null);
    }
    return store.repoUri("").resolve(location);
  }

  @FunctionalInterface
  private interface Steps {
    void run() throws IOException;
  }

  /**
   * The whole upload, restarted under the retry policy: as a whole it may be repeated (a new
   * session each time), and a session the registry forgot is as transient as a 5xx.
   */
  private void restarting(Steps steps) throws IOException {
    store.hosts().retry().run(Deadline.NONE,
        RetryPolicy.transientFor(true).or(e -> e instanceof RegistryException re && re.code() == ErrorCode.BLOB_UPLOAD_UNKNOWN),
        () -> {
          steps.run();
          return null;
        });
  }
}
