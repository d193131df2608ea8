package dev.lazypull.registry.remote;

import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.RegistryException;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.hosts.RegistryHost;
import dev.lazypull.registry.http.ConnectionClosedException;
import dev.lazypull.registry.http.HttpRequestSpec;
import dev.lazypull.registry.http.HttpResult;
import dev.lazypull.registry.http.HttpTransport;
import dev.lazypull.registry.http.Origin;
import dev.lazypull.registry.http.RequestBody;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One registry's HTTP API: every request goes through here for authentication (a 401 is answered
 * once with new credentials) and redirects (followed to other hosts without the registry's
 * Authorization header; a blob's target is remembered, see {@link RedirectMemory}). Retries are {@link RetryPolicy}'s, around {@link HostChain}.
 */
final class RegistryEndpoint {
  private static final int MAX_REDIRECTS = 5;
  private static final int ERROR_BODY_LIMIT = 64 << 10;

  private final String endpoint;
  private final RegistryHost host;
  private final String namespace;
  private volatile Origin origin;
  private final String registry;
  private final HttpTransport transport;
  private final Authenticator auth;
  private final RedirectMemory redirects = new RedirectMemory();
  private final RegistryOptions options;
  private final Predicate<Origin> plainHttpAllowed;

  /** One request. {@code scope} is the token scope it needs; {@code reference} names it in errors. */
  record Call(HttpMethod method, URI uri, List<Map.Entry<String, String>> headers, RequestBody body,
      String scope, boolean idempotent, boolean followRedirects, String reference) {}

  /** Reads a final response; may throw for statuses it does not accept. */
  @FunctionalInterface
  interface Reader<T> {
    T read(HttpResult response) throws IOException;
  }

  /**
   * The endpoint for {@code host} of the namespace {@code namespace} (reached at {@code endpoint}
   * when the host has no URL of its own). A host configured with an explicit {@code http://} URL
   * may be reached over plain HTTP: that configuration is the explicit permission. A mirror gets
   * the credentials of its own host name.
   */
  RegistryEndpoint(String namespace, String endpoint, RegistryHost host, HttpTransport transport,
      RegistryOptions options, Predicate<Origin> plainHttpAllowed) {
    this.namespace = namespace;
    this.host = host;
    this.endpoint = endpoint;
    this.transport = transport;
    this.options = options;
    Origin fixed = host.apiRoot() == null ? null : Origin.of(host.apiRoot());
    this.origin = fixed;
    this.registry = fixed == null || !host.mirror() ? namespace : fixed.hostHeader();
    this.plainHttpAllowed = fixed == null || fixed.secure() ? plainHttpAllowed : o -> o.equals(fixed) || plainHttpAllowed.test(o);
    this.auth = new Authenticator(registry, options.credentials(), transport, this.plainHttpAllowed, Clock.systemUTC());
  }

  /**
   * The URL of {@code path} under the API root ({@code <repository>/blobs/<digest>}, optionally
   * with a query); a mirror's also carries {@code ns=<namespace>}.
   */
  URI apiUri(String path) throws IOException {
    String root = host.apiRoot() != null ? host.apiRoot().toString() : origin() + "/v2";
    String url = root + "/" + path;
    if (host.mirror()) {
      url += (path.contains("?") ? "&" : "?") + "ns=" + java.net.URLEncoder.encode(namespace, java.nio.charset.StandardCharsets.UTF_8);
    }
    return URI.create(url);
  }

  /** The host this endpoint talks to. */
  RegistryHost host() {
    return host;
  }

  /** How logs name this host: its API root, or the upstream's origin. */
  String describe() {
    Origin o = origin;
    return host.apiRoot() != null ? host.apiRoot().toString() : o != null ? o.toString() : endpoint;
  }

  /**
   * HTTPS, except for hosts where plain HTTP is allowed (loopback, insecure-registries): there,
   * like docker, a first ping tries TLS and falls back to plain HTTP only when the server does not
   * speak TLS at all. A TLS server that fails verification stays HTTPS and fails as such.
   */
  private Origin origin() throws IOException {
    Origin o = origin;
    if (o != null) {
      return o;
    }
    synchronized (this) {
      if (origin == null) {
        Origin https = Origin.of(URI.create("https://" + endpoint));
        Origin http = Origin.of(URI.create("http://" + endpoint));
        origin = plainHttpAllowed.test(http) ? probe(https, http) : https;
      }
      return origin;
    }
  }

  private Origin probe(Origin https, Origin http) throws IOException {
    try (HttpResult r = transport.send(new HttpRequestSpec(HttpMethod.GET, URI.create(https + "/v2/"), List.of(), RequestBody.EMPTY))) {
      r.body().readAll(ERROR_BODY_LIMIT);
      return https;
    } catch (javax.net.ssl.SSLException e) {
      // A TLS server whose certificate fails verification stays HTTPS (and fails as such); any
      // other handshake failure (plain-HTTP reply, hang-up, silence) means it does not speak TLS.
      return hasCause(e, java.security.cert.CertificateException.class) ? https : http;
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException e) {
      // Unreachable or closed on a TLS hello: plain HTTP, and the real request reports any failure.
      return http;
    }
  }

  /**
   * One attempt of {@code call}: its final response (after authentication and redirects) goes to
   * {@code reader}. A 429 or 5xx answer, a connection failure and a failure while the reader reads
   * the body are thrown as {@link RegistryException}s for {@link RetryPolicy} to judge; the one
   * repetition made here is that of an idempotent request sent on a pooled connection the server
   * had already closed, which says nothing about the registry.
   */
  <T> T execute(Call call, Reader<T> reader) throws IOException {
    boolean staleConnectionForgiven = false;
    while (true) {
      HttpResult r = null;
      boolean handedOver = false;
      try {
        r = send(call);
        if (r.status() == 429) {
          Duration wait = Backoff.retryAfter(r.header("Retry-After"), Clock.systemUTC());
          throw new RetryPolicy.RateLimitedException(RegistryErrors.of(429, drain(r), call.reference(), ErrorCode.TOOMANYREQUESTS), wait);
        }
        if (r.status() >= 500) {
          throw RegistryErrors.of(r.status(), drain(r), call.reference(), ErrorCode.SERVER_ERROR);
        }
        T value = reader.read(r);
        handedOver = value == r;
        return value;
      } catch (RegistryException | InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        if (e instanceof ConnectionClosedException c && c.reusedConnection() && !staleConnectionForgiven && call.idempotent()) {
          staleConnectionForgiven = true;
          continue;
        }
        throw classify(e, call);
      } finally {
        if (r != null && !handedOver) {
          r.close();
        }
      }
    }
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  /** {@code h2} or {@code http/1.1} as negotiated with the registry; null before the first request. */
  String protocol() {
    Origin o = origin;
    return o == null ? null : transport.protocol(o);
  }

  /** A response for {@code call} after auth and redirects, without retries (for streaming). */
  HttpResult send(Call call) throws IOException {
    boolean remembers = call.followRedirects() && (call.method().equals(HttpMethod.GET) || call.method().equals(HttpMethod.HEAD));
    if (remembers) {
      URI remembered = redirects.lookup(call.uri(), Instant.now());
      if (remembered != null) {
        HttpResult r = sendToRemembered(call, remembered);
        if (r != null) {
          return r;
        }
      }
    }
    URI uri = call.uri();
    // Two rounds: the first learns the challenge, the second replaces a token the registry refused.
    int authRounds = 0;
    for (int hops = 0; ; ) {
      Origin target = Origin.of(uri);
      if (!target.secure() && !plainHttpAllowed.test(target)) {
        throw new RegistryException(ErrorCode.CONNECTION, call.reference(), 0,
            "refusing plain HTTP to " + target + " (only loopback and insecure-registries are allowed)", null);
      }
      boolean sameOrigin = target.equals(origin());
      String authorization = sameOrigin ? auth.authorization(call.scope()) : null;
      List<Map.Entry<String, String>> headers = new ArrayList<>(call.headers());
      if (sameOrigin) {
        host.headers().forEach((name, values) -> values.forEach(v -> headers.add(Map.entry(name, v))));
      }
      if (authorization != null) {
        headers.add(Map.entry("Authorization", authorization));
      }
      HttpResult r = transport.send(new HttpRequestSpec(call.method(), uri, headers, call.body()));
      if (r.status() == 401 && sameOrigin) {
        String challenge = r.header("WWW-Authenticate");
        byte[] body = drain(r);
        if (authRounds < 2 && auth.onUnauthorized(challenge, call.scope(), authorization)) {
          authRounds++;
          continue;
        }
        throw RegistryErrors.of(401, body, call.reference(), ErrorCode.UNAUTHORIZED);
      }
      if (call.followRedirects() && isRedirect(r.status())) {
        String location = r.header("Location");
        drain(r);
        if (location == null || ++hops > MAX_REDIRECTS) {
          throw new RegistryException(ErrorCode.UNKNOWN, call.reference(), r.status(),
              location == null ? "redirect without Location" : "more than " + MAX_REDIRECTS + " redirects", null);
        }
        uri = uri.resolve(location);
        continue;
      }
      if (remembers && hops > 0 && r.status() / 100 == 2 && !sameOrigin) {
        redirects.remember(call.uri(), uri, Instant.now());
      }
      return r;
    }
  }

  /**
   * {@code call} sent straight to where the registry last redirected it; null when that target no
   * longer serves it (401/403/404/410, or the connection fails), which is then forgotten so the
   * registry is asked again.
   */
  private HttpResult sendToRemembered(Call call, URI target) throws IOException {
    HttpResult r;
    try {
      r = transport.send(new HttpRequestSpec(call.method(), target, call.headers(), call.body()));
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException e) {
      redirects.forget(call.uri(), target);
      return null;
    }
    int status = r.status();
    if (status == 401 || status == 403 || status == 404 || status == 410) {
      drain(r);
      r.close();
      redirects.forget(call.uri(), target);
      return null;
    }
    return r;
  }


  /** The exception for a response {@code reader} does not accept. */
  static RegistryException error(HttpResult r, String reference, ErrorCode notFound) throws IOException {
    return RegistryErrors.of(r.status(), drain(r), reference, notFound);
  }

  private static byte[] drain(HttpResult r) {
    try {
      return r.body().readAll(ERROR_BODY_LIMIT);
    } catch (IOException e) {
      r.close();
      return new byte[0];
    }
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  RegistryException classify(IOException e, Call call) {
    ErrorCode code;
    if (e instanceof javax.net.ssl.SSLException) {
      code = ErrorCode.TLS;
    } else if (e instanceof dev.lazypull.registry.http.StalledResponseException) {
      code = ErrorCode.TIMEOUT;
    } else if (e.getCause() instanceof io.netty.channel.ConnectTimeoutException) {
      code = ErrorCode.TIMEOUT;
    } else {
      code = ErrorCode.CONNECTION;
    }
    return new RegistryException(code, call.reference(), 0,
        call.method() + " " + call.uri().getRawPath() + " on " + registry + " failed: " + e.getMessage(), e);
  }
}
