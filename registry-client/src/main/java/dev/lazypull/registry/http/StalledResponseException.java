package dev.lazypull.registry.http;

import java.io.IOException;

/** No byte arrived for longer than the read timeout while a response head or body was awaited. */
public final class StalledResponseException extends IOException {
  public StalledResponseException(String message) {
    super(message);
  }
}
