package dev.lazypull.snapshotter.fetch;

import dev.lazypull.oci.Digest;
import dev.lazypull.registry.ImageStore;
import java.io.IOException;

/**
 * Where the fetcher reads compressed bytes from: one byte range of one blob per call. Blocking;
 * the fetcher calls it from virtual threads. An implementation returns exactly {@code length}
 * bytes or throws; it need not verify anything (the fetcher verifies every chunk it cuts out).
 */
@FunctionalInterface
public interface BlobRangeSource {

  byte[] read(Digest blob, long offset, int length) throws IOException;

  /** Ranges of the blobs of one image repository (one HTTP Range request per call). */
  static BlobRangeSource of(ImageStore store) {
    return store::readBlobRange;
  }
}
