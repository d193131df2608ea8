package dev.lazypull.lazyfs.image;

import java.io.IOException;

/** The image has a layer without a lazypull TOC: it must be converted before it can be mounted. */
public final class NotLazyImageException extends IOException {
  public NotLazyImageException(String message) {
    super(message);
  }
}
