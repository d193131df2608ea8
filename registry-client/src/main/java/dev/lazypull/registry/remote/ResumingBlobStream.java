package dev.lazypull.registry.remote;

import dev.lazypull.oci.Deadline;
import dev.lazypull.oci.Digest;
import dev.lazypull.registry.RegistryException;
import dev.lazypull.registry.http.HttpResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * A whole blob as a stream that survives broken connections: when the body fails midway it asks
 * for the rest with {@code Range: bytes=<position>-} and goes on while {@link RetryPolicy} allows.
 * (The caller's digest check covers the joined bytes.)
 */
final class ResumingBlobStream extends InputStream {
  private final RemoteStore store;
  private final Digest digest;
  private HttpResult response;
  private long position;
  private int failures;
  private boolean closed;

  ResumingBlobStream(RemoteStore store, Digest digest) throws IOException {
    this.store = store;
    this.digest = digest;
    this.response = store.openBlobAt(digest, 0);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("blob stream closed");
    }
    while (true) {
      try {
        int n = response.body().read(b, off, len);
        if (n > 0) {
          position += n;
        }
        return n;
      } catch (RegistryException | InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        response.close();
        java.time.Duration wait = store.hosts().retry().nextWait(e, ++failures, Deadline.NONE, RetryPolicy.transientFor(true));
        if (wait == null) {
          throw new IOException("blob " + digest + " failed at byte " + position + " " + failures + " times: " + e.getMessage(), e);
        }
        Backoff.sleep(wait);
        response = store.openBlobAt(digest, position);
      }
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      response.close();
    }
  }
}
