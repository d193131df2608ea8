package dev.lazypull.builder;

import java.io.IOException;

/**
 * A conversion that cannot go on because its input is bad or a store refused it. The message says
 * what is wrong and where (image, layer, entry); nothing has been tagged under the destination.
 */
public class ConversionException extends IOException {
  public ConversionException(String message) {
    super(message);
  }

  public ConversionException(String message, Throwable cause) {
    super(message, cause);
  }
}
