package dev.lazypull.registry.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lazypull.oci.Deadline;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.ImageRef.RegistryRef;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.RegistryException;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.VerifyingInputStream;
import dev.lazypull.registry.hosts.HostCapability;
import dev.lazypull.registry.http.HttpResult;
import dev.lazypull.registry.http.HttpTransport;
import dev.lazypull.registry.http.RequestBody;
import dev.lazypull.registry.remote.RegistryEndpoint.Call;
import io.netty.handler.codec.http.HttpMethod;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A repository in an OCI distribution registry. Reads are retried (see {@link RegistryEndpoint});
 * an upload is restarted from its first request when it fails midway, since its requests cannot be
 * repeated one by one.
 */
public final class RemoteStore implements ImageStore {
  static final String ACCEPT_MANIFESTS = String.join(", ",
      MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST);
  private static final int MANIFEST_LIMIT = 4 << 20;
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  private static final Pattern LINK_NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryRef ref;
  private final HostChain hosts;
  private final List<HttpTransport> ownedTransports;
  private final RegistryOptions options;
  private final String pull;
  private final String push;

  RemoteStore(RegistryRef ref, HostChain hosts, List<HttpTransport> ownedTransports, RegistryOptions options) {
    this.ref = ref;
    this.hosts = hosts;
    this.ownedTransports = List.copyOf(ownedTransports);
    this.options = options;
    this.pull = "repository:" + ref.repository() + ":pull";
    this.push = "repository:" + ref.repository() + ":pull,push";
  }

  @Override
  public String name() {
    return ref.repositoryName();
  }

  @Override
  public ManifestBytes getManifest(String reference) throws IOException {
    checkReference(reference);
    String where = name() + refSuffix(reference);
    HostChain.CallFor get = e -> read(e, HttpMethod.GET, "/manifests/" + reference, where, Map.entry("Accept", ACCEPT_MANIFESTS));
    return hosts.execute(byName(reference), where, Deadline.NONE, get, r -> {
      if (r.status() != 200) {
        throw RegistryEndpoint.error(r, where, ErrorCode.MANIFEST_UNKNOWN);
      }
      byte[] bytes = r.body().readAll(MANIFEST_LIMIT);
      Digest actual = Digest.sha256(bytes);
      Digest expected = reference.startsWith("sha256:") ? Digest.parse(reference) : headerDigest(r);
      if (expected != null && !expected.equals(actual)) {
        throw new RegistryException(ErrorCode.DIGEST_MISMATCH, where, 200, "manifest should be " + expected + " but its bytes are " + actual, null);
      }
      String mediaType = contentType(r);
      if (!MediaTypes.isManifest(mediaType) && !MediaTypes.isIndex(mediaType)) {
        try {
          mediaType = OciJson.detectMediaType(bytes);
        } catch (IllegalArgumentException e) {
          throw new RegistryException(ErrorCode.INVALID_CONTENT, where, 200, e.getMessage(), e);
        }
      }
      return new ManifestBytes(mediaType, actual, bytes);
    });
  }

  @Override
  public Optional<Digest> resolve(String reference) throws IOException {
    checkReference(reference);
    String where = name() + refSuffix(reference);
    HostChain.CallFor headCall = e -> read(e, HttpMethod.HEAD, "/manifests/" + reference, where, Map.entry("Accept", ACCEPT_MANIFESTS));
    Optional<Optional<Digest>> head = hosts.execute(byName(reference), where, Deadline.NONE, headCall, r -> {
      if (r.status() == 404) {
        return Optional.of(Optional.<Digest>empty());
      }
      if (r.status() != 200) {
        throw RegistryEndpoint.error(r, where, ErrorCode.MANIFEST_UNKNOWN);
      }
      Digest d = headerDigest(r);
      return d == null ? Optional.<Optional<Digest>>empty() : Optional.of(Optional.of(d));
    });
    if (head.isPresent()) {
      return head.get();
    }
    // No Docker-Content-Digest header: the digest is that of the bytes.
    return Optional.of(getManifest(reference).digest());
  }

  @Override
  public InputStream openBlob(Digest digest) throws IOException {
    return new VerifyingInputStream(new ResumingBlobStream(this, digest), digest, -1, name());
  }

  /** The first response of a whole-blob stream, or one resumed at {@code offset}. */
  HttpResult openBlobAt(Digest digest, long offset) throws IOException {
    String where = name() + "@" + digest;
    List<Map.Entry<String, String>> headers = offset > 0 ? List.of(Map.entry("Range", "bytes=" + offset + "-")) : List.of();
    HostChain.CallFor get = e -> new Call(HttpMethod.GET, blobUri(e, digest), headers, RequestBody.EMPTY, pull, true, true, where);
    return hosts.execute(HostCapability.PULL, where, Deadline.NONE, get, r -> {
      boolean ok = offset == 0 ? r.status() == 200 : r.status() == 206 && rangeStart(r) == offset;
      if (!ok) {
        if (offset > 0 && r.status() == 200) {
          r.close();
          throw new RegistryException(ErrorCode.RANGE_NOT_SATISFIED, where, 200, "cannot resume the blob at " + offset + ": the registry ignored Range", null);
        }
        throw RegistryEndpoint.error(r, where, ErrorCode.BLOB_UNKNOWN);
      }
      return r; // handed over: the caller streams and closes it
    });
  }

  @Override
  public byte[] readBlobRange(Digest digest, long offset, int length) throws IOException {
    return readBlobRange(digest, offset, length, Deadline.NONE);
  }

  @Override
  public byte[] readBlobRange(Digest digest, long offset, int length, Deadline deadline) throws IOException {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative range " + offset + "+" + length);
    }
    if (length == 0) {
      return new byte[0];
    }
    long last = offset + length - 1;
    String where = name() + "@" + digest + " bytes " + offset + "-" + last;
    List<Map.Entry<String, String>> range = List.of(Map.entry("Range", "bytes=" + offset + "-" + last));
    HostChain.CallFor get = e -> new Call(HttpMethod.GET, blobUri(e, digest), range, RequestBody.EMPTY, pull, true, true, where);
    return hosts.execute(HostCapability.PULL, where, deadline, get, r -> {
      if (r.status() == 206) {
        Matcher m = CONTENT_RANGE.matcher(String.valueOf(r.header("Content-Range")));
        if (!m.matches() || Long.parseLong(m.group(1)) != offset || Long.parseLong(m.group(2)) != last) {
          r.close();
          throw new RegistryException(ErrorCode.RANGE_NOT_SATISFIED, where, 206,
              "asked bytes " + offset + "-" + last + ", got Content-Range " + r.header("Content-Range"), null);
        }
        return readExactly(r.body(), length, where);
      }
      if (r.status() == 200) {
        // The registry (or a proxy) ignored Range and sends the whole blob: skip to the offset.
        r.body().skipNBytes(offset);
        byte[] bytes = readExactly(r.body(), length, where);
        r.close();
        return bytes;
      }
      throw RegistryEndpoint.error(r, where, ErrorCode.BLOB_UNKNOWN);
    });
  }

  @Override
  public Optional<Long> blobSize(Digest digest) throws IOException {
    return blobSize(digest, HostCapability.PULL);
  }

  /** HEAD of a blob on the hosts that may be asked {@code need} (before a push: the push host alone). */
  private Optional<Long> blobSize(Digest digest, HostCapability need) throws IOException {
    String where = name() + "@" + digest;
    HostChain.CallFor head = e -> new Call(HttpMethod.HEAD, blobUri(e, digest), List.of(), RequestBody.EMPTY, pull, true, true, where);
    RegistryEndpoint.Reader<Optional<Long>> reader = r -> {
      if (r.status() == 404) {
        return Optional.empty();
      }
      if (r.status() != 200) {
        throw RegistryEndpoint.error(r, where, ErrorCode.BLOB_UNKNOWN);
      }
      String length = r.header("Content-Length");
      if (length == null) {
        throw new RegistryException(ErrorCode.INVALID_CONTENT, where, 200, "HEAD of a blob without Content-Length", null);
      }
      return Optional.of(Long.parseLong(length));
    };
    return need == HostCapability.PUSH ? hosts.onPushHost(head.on(pushEndpoint()), reader) : hosts.execute(need, where, Deadline.NONE, head, reader);
  }

  @Override
  public void putBlob(Digest digest, long size, Path content) throws IOException {
    if (blobSize(digest, HostCapability.PUSH).isPresent()) {
      return;
    }
    if (size >= options.chunkedUploadThreshold()) {
      new BlobUpload(this, digest).chunked(content, size, options.uploadChunkSize());
    } else {
      new BlobUpload(this, digest).monolithic(new RequestBody.FileRange(content, 0, size));
    }
  }

  @Override
  public void putBlob(Digest digest, byte[] content) throws IOException {
    if (blobSize(digest, HostCapability.PUSH).isPresent()) {
      return;
    }
    new BlobUpload(this, digest).monolithic(new RequestBody.Bytes(content));
  }

  @Override
  public boolean mountBlob(Digest digest, String fromRepository) throws IOException {
    String from = fromRepository;
    int slash = from.indexOf('/');
    if (slash > 0) {
      // docker's rule: a first component with '.' or ':' (or localhost) names a registry.
      String first = from.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        if (!first.equals(ref.registry())) {
          return false; // a repository of another registry cannot be mounted here
        }
        from = from.substring(slash + 1);
      }
    }
    return new BlobUpload(this, digest).mount(from);
  }

  @Override
  public Digest putManifest(String tag, String mediaType, byte[] bytes) throws IOException {
    Digest digest = Digest.sha256(bytes);
    String reference = tag != null ? tag : digest.toString();
    checkReference(reference);
    String where = name() + refSuffix(reference);
    Call call = new Call(HttpMethod.PUT, repoUri("/manifests/" + reference), List.of(Map.entry("Content-Type", mediaType)),
        new RequestBody.Bytes(bytes), push, true, false, where);
    return hosts.onPushHost(call, r -> {
      if (r.status() != 201 && r.status() != 200) {
        throw RegistryEndpoint.error(r, where, ErrorCode.MANIFEST_UNKNOWN);
      }
      Digest stored = headerDigest(r);
      r.body().readAll(ERROR_LIMIT);
      if (stored != null && !stored.equals(digest)) {
        throw new RegistryException(ErrorCode.DIGEST_MISMATCH, where, r.status(), "registry stored the manifest as " + stored + ", expected " + digest, null);
      }
      return digest;
    });
  }

  private static final int ERROR_LIMIT = 64 << 10;

  @Override
  public List<String> listTags() throws IOException {
    return listTags(1000);
  }

  /** All tags, asking for {@code pageSize} per request and following the Link header. */
  List<String> listTags(int pageSize) throws IOException {
    List<String> tags = new ArrayList<>();
    URI next = repoUri("/tags/list?n=" + pageSize);
    while (next != null) {
      URI page = next;
      Call call = new Call(HttpMethod.GET, page, List.of(), RequestBody.EMPTY, pull, true, true, name());
      next = hosts.onPushHost(call, r -> {
        if (r.status() == 404) {
          r.body().readAll(ERROR_LIMIT);
          return null; // no such repository yet: no tags
        }
        if (r.status() != 200) {
          throw RegistryEndpoint.error(r, name(), ErrorCode.NAME_UNKNOWN);
        }
        JsonNode json = JSON.readTree(r.body().readAll(MANIFEST_LIMIT));
        json.path("tags").forEach(t -> tags.add(t.asText()));
        String link = r.header("Link");
        Matcher m = link == null ? null : LINK_NEXT.matcher(link);
        return m != null && m.find() ? page.resolve(m.group(1)) : null;
      });
    }
    return tags;
  }

  /** The HTTP version spoken with the registry ({@code h2} over TLS where offered, else {@code http/1.1}). */
  public String protocol() {
    return hosts.endpoints().getLast().protocol();
  }

  @Override
  public void close() {
    ownedTransports.forEach(HttpTransport::close);
  }

  // ---- helpers shared with BlobUpload and ResumingBlobStream ----

  /**
   * Where uploads, manifest pushes and tag listing go: the first host with the push capability
   * (the upstream unless hosts.toml says otherwise); mirrors are not asked for those.
   */
  RegistryEndpoint pushEndpoint() throws RegistryException {
    return hosts.first(HostCapability.PUSH, name());
  }

  RegistryOptions options() {
    return options;
  }

  HostChain hosts() {
    return hosts;
  }

  String pushScope() {
    return push;
  }

  String mountScope(String from) {
    return push + " repository:" + from + ":pull";
  }

  /** A URL of this repository on the push host. */
  URI repoUri(String suffix) throws IOException {
    return pushEndpoint().apiUri(ref.repository() + suffix);
  }

  private URI blobUri(RegistryEndpoint e, Digest digest) throws IOException {
    return e.apiUri(ref.repository() + "/blobs/" + digest);
  }

  private Call read(RegistryEndpoint e, HttpMethod method, String suffix, String where, Map.Entry<String, String> header) throws IOException {
    return new Call(method, e.apiUri(ref.repository() + suffix), List.of(header), RequestBody.EMPTY, pull, true, true, where);
  }

  /** A manifest by digest may come from any host that pulls; by tag only from one trusted to resolve. */
  private static HostCapability byName(String reference) {
    return reference.startsWith("sha256:") ? HostCapability.PULL : HostCapability.RESOLVE;
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

  /** A tag or a sha256 digest; anything else would change the request's path. */
  private static void checkReference(String reference) {
    if (reference == null) {
      throw new IllegalArgumentException("a registry manifest needs a tag or digest");
    }
    if (reference.startsWith("sha256:")) {
      Digest.parse(reference);
    } else if (!TAG.matcher(reference).matches()) {
      throw new IllegalArgumentException("invalid tag '" + reference + "' (letters, digits, '_', '.', '-'; at most 128)");
    }
  }

  private static String refSuffix(String reference) {
    return reference.startsWith("sha256:") ? "@" + reference : ":" + reference;
  }

  private static Digest headerDigest(HttpResult r) {
    String d = r.header("Docker-Content-Digest");
    if (d == null) {
      return null;
    }
    try {
      return Digest.parse(d.trim());
    } catch (IllegalArgumentException e) {
      return null; // another algorithm: the bytes' own digest is checked instead
    }
  }

  private static String contentType(HttpResult r) {
    String ct = r.header("Content-Type");
    if (ct == null) {
      return null;
    }
    int semi = ct.indexOf(';');
    return (semi < 0 ? ct : ct.substring(0, semi)).trim();
  }

  private static long rangeStart(HttpResult r) {
    Matcher m = CONTENT_RANGE.matcher(String.valueOf(r.header("Content-Range")));
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  private static byte[] readExactly(InputStream in, int length, String where) throws IOException {
    // Straight into the result: readNBytes(int) would gather 8 KiB pieces and copy them again.
    byte[] bytes = new byte[length];
    int n = in.readNBytes(bytes, 0, length);
    if (n != length) {
      throw new EOFException("range of " + where + " ended after " + n + " of " + length + " bytes");
    }
    return bytes;
  }
}
