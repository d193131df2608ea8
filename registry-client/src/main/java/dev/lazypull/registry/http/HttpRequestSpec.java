package dev.lazypull.registry.http;

import io.netty.handler.codec.http.HttpMethod;
import java.net.URI;
import java.util.List;
import java.util.Map;

/** One HTTP/1.1 request: method, absolute URL, extra headers (in order), body. */
public record HttpRequestSpec(HttpMethod method, URI uri, List<Map.Entry<String, String>> headers, RequestBody body) {
  public HttpRequestSpec {
    headers = List.copyOf(headers);
  }
}
