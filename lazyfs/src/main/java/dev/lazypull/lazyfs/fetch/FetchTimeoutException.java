package dev.lazypull.lazyfs.fetch;

import java.io.IOException;

/** The registry did not deliver a chunk within the fetch timeout. The read fails (EIO). */
public final class FetchTimeoutException extends IOException {
  public FetchTimeoutException(String message) {
    super(message);
  }
}
