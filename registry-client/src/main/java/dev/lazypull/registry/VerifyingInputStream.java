package dev.lazypull.registry;

import dev.lazypull.oci.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes what passes through and, at end of stream, throws {@link ErrorCode#DIGEST_MISMATCH}
 * unless the bytes match the expected digest (and size, when known). A caller that stops early
 * gets no verification: only a stream read to its end has been proven.
 */
public final class VerifyingInputStream extends FilterInputStream {
  private final Digest expected;
  private final long expectedSize;
  private final String name;
  private final MessageDigest sha = Digest.newSha256();
  private long count;
  private boolean verified;

  /** {@code expectedSize} is -1 when unknown. */
  public VerifyingInputStream(InputStream in, Digest expected, long expectedSize, String name) {
    super(in);
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.name = name;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n < 0) {
      verify();
      return -1;
    }
    sha.update(b, off, n);
    count += n;
    if (expectedSize >= 0 && count > expectedSize) {
      throw new RegistryException(ErrorCode.DIGEST_MISMATCH, name, "blob " + expected + " is longer than its size " + expectedSize);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipped bytes must still be hashed.
    byte[] buf = new byte[(int) Math.min(n, 8192)];
    long done = 0;
    while (done < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void verify() throws IOException {
    if (verified) {
      return;
    }
    Digest actual = Digest.of(sha.digest());
    if (expectedSize >= 0 && count != expectedSize) {
      throw new RegistryException(ErrorCode.DIGEST_MISMATCH, name,
          "blob " + expected + " ended after " + count + " bytes, expected " + expectedSize);
    }
    if (!actual.equals(expected)) {
      throw new RegistryException(ErrorCode.DIGEST_MISMATCH, name, "blob " + expected + " has digest " + actual);
    }
    verified = true;
  }
}
