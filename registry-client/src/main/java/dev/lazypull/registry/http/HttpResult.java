package dev.lazypull.registry.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.io.Closeable;

/**
 * A response whose head has arrived. The body streams through {@link #body()}; closing the
 * result before the body's end closes the connection, reading it to the end returns the
 * connection to its pool.
 */
public record HttpResult(int status, HttpHeaders headers, ResponseBody body) implements Closeable {
  public String header(String name) {
    return headers.get(name);
  }

  @Override
  public void close() {
    body.close();
  }
}
