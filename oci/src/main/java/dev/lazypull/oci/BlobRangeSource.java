package dev.lazypull.oci;

import java.io.IOException;

/**
 * Where compressed bytes come from: one byte range of one blob per call. The one seam between
 * what reads lazy layers (TOCs, chunks) and where blobs live (a registry, an image layout, a test
 * fake), so that the format and the read path do no I/O of their own. Blocking; call it from
 * virtual threads. An implementation returns exactly {@code length} bytes or throws; it need not
 * verify anything (callers verify what they cut out of the range against the digests they hold).
 */
@FunctionalInterface
public interface BlobRangeSource {

  byte[] read(Digest blob, long offset, int length) throws IOException;

  /**
   * The same, done by {@code deadline}: a source that retries does so only while the next attempt
   * fits before it, and fails with its last error once it does not. A source that never retries
   * (a local file) may ignore it.
   */
  default byte[] read(Digest blob, long offset, int length, Deadline deadline) throws IOException {
    return read(blob, offset, length);
  }
}
