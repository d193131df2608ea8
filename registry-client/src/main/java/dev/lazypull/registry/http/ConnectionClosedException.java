package dev.lazypull.registry.http;

import java.io.IOException;

/**
 * The connection closed before the response was complete. {@link #reusedConnection} says the
 * connection came from the pool, where a server may close an idle keep-alive connection just as
 * it is reused: such a failure before any response byte says nothing about the server's health.
 */
public final class ConnectionClosedException extends IOException {
  private final boolean reusedConnection;

  public ConnectionClosedException(String message, boolean reusedConnection, Throwable cause) {
    super(message, cause);
    this.reusedConnection = reusedConnection;
  }

  public boolean reusedConnection() {
    return reusedConnection;
  }
}
