package dev.lazypull.lazyfs.fetch;

import java.io.IOException;

/** A chunk's bytes did not decompress to its recorded length and digest, twice. The read fails (EIO). */
public final class ChunkVerificationException extends IOException {
  public ChunkVerificationException(String message) {
    super(message);
  }
}
