package dev.lazypull.registry.http;

import java.net.URI;
import java.util.Locale;

/** Scheme, host and port: the unit of connection pooling and of credential scope. */
public record Origin(String scheme, String host, int port) {

  public Origin {
    scheme = scheme.toLowerCase(Locale.ROOT);
    host = host.toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("unsupported URL scheme " + scheme);
    }
  }

  public static Origin of(URI uri) {
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("URL without host: " + uri);
    }
    String scheme = uri.getScheme() == null ? "https" : uri.getScheme();
    int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equalsIgnoreCase("https") ? 443 : 80;
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new Origin(scheme, host, port);
  }

  public boolean secure() {
    return scheme.equals("https");
  }

  /** The Host header value: the port only when it is not the scheme's default. */
  public String hostHeader() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    boolean defaultPort = secure() ? port == 443 : port == 80;
    return defaultPort ? h : h + ":" + port;
  }

  @Override
  public String toString() {
    return scheme + "://" + hostHeader();
  }
}
