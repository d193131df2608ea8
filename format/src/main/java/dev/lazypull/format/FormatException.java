package dev.lazypull.format;

import java.io.IOException;

/** Lazy-format bytes (a TOC, a frame) that are corrupt, truncated or do not match their digest. */
public class FormatException extends IOException {
  public FormatException(String message) {
    super(message);
  }

  public FormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
