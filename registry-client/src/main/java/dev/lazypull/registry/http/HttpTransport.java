package dev.lazypull.registry.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.TrustManagerFactory;

/**
 * HTTP/1.1 over Netty with a blocking face: {@link #send} waits (on the caller's thread, meant to
 * be virtual) for the response head and returns the body as a stream; the event loops only move
 * bytes. Keep-alive connections are pooled per origin with a bound on requests in flight. TLS is
 * verified (certificate chain and host name) against the JDK's CAs plus an optional bundle.
 *
 * <p>Over TLS, ALPN offers h2 and http/1.1: with h2 the requests to an origin are streams of one
 * connection, else they use parallel keep-alive connections; either way bounded per origin.
 */
public final class HttpTransport implements AutoCloseable {
  static final AttributeKey<Origin> ORIGIN = AttributeKey.valueOf("lazypull.origin");
  private static final String USER_AGENT = "lazypull/0.1";
  private static final int FILE_CHUNK = 256 << 10;

  private static EventLoopGroup sharedGroup;

  private final int maxInFlightPerOrigin;
  private final Duration readTimeout;
  private final SslContext ssl;
  private final Bootstrap bootstrap;
  private final Map<Origin, ConnectionPool> pools = new ConcurrentHashMap<>();

  public HttpTransport(int maxInFlightPerOrigin, Duration connectTimeout, Duration readTimeout, Path caBundle) throws IOException {
    this(maxInFlightPerOrigin, connectTimeout, readTimeout, TlsSettings.withCaBundle(caBundle));
  }

  public HttpTransport(int maxInFlightPerOrigin, Duration connectTimeout, Duration readTimeout, TlsSettings tls) throws IOException {
    this.maxInFlightPerOrigin = maxInFlightPerOrigin;
    this.readTimeout = readTimeout;
    this.ssl = sslContext(tls);
    this.bootstrap = new Bootstrap()
        .group(eventLoops())
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            Origin origin = ch.attr(ORIGIN).get();
            if (origin.secure()) {
              SslHandler handler = ssl.newHandler(ch.alloc(), origin.host(), origin.port());
              handler.setHandshakeTimeoutMillis(connectTimeout.toMillis());
              // The HTTP layer is chosen by ALPN once the handshake is done.
              ch.pipeline().addLast(handler, new ProtocolSelector(readTimeout));
            } else {
              ProtocolSelector.http1(ch.pipeline(), readTimeout);
            }
            // With auto-read off, the TLS handshake needs an explicit read to start.
            ch.read();
          }
        });
  }

  /** The event loops all transports share: they only move bytes, so two threads serve many. */
  private static synchronized EventLoopGroup eventLoops() {
    if (sharedGroup == null) {
      int threads = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
      sharedGroup = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("lazypull-http", true), NioIoHandler.newFactory());
    }
    return sharedGroup;
  }

  /**
   * Sends a request and waits for the head of its response. The caller must close the result (or
   * read its body to the end). Connection-level failures surface as {@link IOException}s:
   * {@link ConnectionClosedException}, {@link StalledResponseException},
   * {@link javax.net.ssl.SSLException}, or a connect failure.
   */
  public HttpResult send(HttpRequestSpec spec) throws IOException {
    Origin origin = Origin.of(spec.uri());
    ConnectionPool pool = pools.computeIfAbsent(origin, o -> new ConnectionPool(o, bootstrap, maxInFlightPerOrigin));
    ConnectionPool.Lease lease = pool.acquire();
    Channel channel = lease.channel();
    Exchange exchange = new Exchange(channel, pool, lease.reused());
    HttpRequest head;
    Object body;
    try {
      head = head(spec, origin);
      body = body(spec.body());
    } catch (IOException | RuntimeException e) {
      pool.release(channel, lease.reused() && channel.isActive());
      throw e;
    }
    channel.eventLoop().execute(() -> {
      ExchangeHandler handler = channel.pipeline().get(ExchangeHandler.class);
      if (handler == null || !channel.isActive()) {
        // Closed between leaving the pool and now (the pipeline is torn down with it).
        ReferenceCountUtil.release(head);
        ReferenceCountUtil.release(body);
        exchange.onFailure(new ConnectionClosedException("connection to " + origin + " closed before the request was sent", lease.reused(), null));
        return;
      }
      handler.begin(exchange);
      ChannelFutureListener onFailure = f -> {
        if (!f.isSuccess()) {
          exchange.onFailure(f.cause());
          f.channel().close();
        }
      };
      if (body == null) {
        channel.writeAndFlush(head).addListener(onFailure);
      } else {
        channel.write(head).addListener(onFailure);
        channel.writeAndFlush(body).addListener(onFailure);
      }
      channel.read();
    });
    HttpResponse response;
    try {
      response = exchange.head.get();
    } catch (InterruptedException e) {
      exchange.cancel();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for " + spec.method() + " " + spec.uri());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    } catch (java.util.concurrent.CancellationException e) {
      throw new InterruptedIOException("request cancelled");
    }
    boolean noBody = spec.method().equals(HttpMethod.HEAD);
    ResponseBody responseBody = new ResponseBody(exchange);
    if (noBody) {
      // Netty still sends an (empty) LastHttpContent for HEAD; drain it so the connection returns.
      responseBody.readAllBytes();
    }
    return new HttpResult(response.status().code(), response.headers(), responseBody);
  }

  private static HttpRequest head(HttpRequestSpec spec, Origin origin) {
    URI uri = spec.uri();
    String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "");
    HttpRequest request = spec.body() instanceof RequestBody.Bytes bytes
        ? new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, spec.method(), target, Unpooled.wrappedBuffer(bytes.bytes()))
        : spec.body() instanceof RequestBody.Empty
            ? new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, spec.method(), target, Unpooled.EMPTY_BUFFER)
            : new DefaultHttpRequest(HttpVersion.HTTP_1_1, spec.method(), target);
    request.headers()
        .set(HttpHeaderNames.HOST, origin.hostHeader())
        .set(HttpHeaderNames.USER_AGENT, USER_AGENT)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    boolean sendsBody = !(spec.body() instanceof RequestBody.Empty)
        || spec.method().equals(HttpMethod.POST) || spec.method().equals(HttpMethod.PUT) || spec.method().equals(HttpMethod.PATCH);
    if (sendsBody) {
      request.headers().set(HttpHeaderNames.CONTENT_LENGTH, spec.body().length());
    }
    for (Map.Entry<String, String> h : spec.headers()) {
      request.headers().add(h.getKey(), h.getValue());
    }
    return request;
  }

  /** The streamed part of a file body, or null when the head carries the whole body. */
  private static Object body(RequestBody body) throws IOException {
    if (body instanceof RequestBody.FileRange range) {
      FileChannel file = FileChannel.open(range.file(), StandardOpenOption.READ);
      // ChunkedWriteHandler closes the file when it has been sent (or the write failed).
      return new HttpChunkedInput(new ChunkedNioFile(file, range.offset(), range.length(), FILE_CHUNK), LastHttpContent.EMPTY_LAST_CONTENT);
    }
    return null;
  }

  private static SslContext sslContext(TlsSettings tls) throws IOException {
    try {
      SslContextBuilder builder = SslContextBuilder.forClient()
          .sslProvider(SslProvider.JDK)
          .endpointIdentificationAlgorithm(tls.skipVerify() ? null : "HTTPS")
          .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
              ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
      if (tls.skipVerify()) {
        // Only by explicit configuration (hosts.toml skip_verify), never by default.
        builder.trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE);
      } else if (!tls.extraCaFiles().isEmpty()) {
        builder.trustManager(trustWithExtraCas(tls.extraCaFiles()));
      }
      if (tls.clientCertificate() != null) {
        builder.keyManager(tls.clientCertificate().toFile(), tls.clientKey().toFile());
      }
      return builder.build();
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException("cannot set up TLS with CA files " + tls.extraCaFiles()
          + (tls.clientCertificate() == null ? "" : " and client certificate " + tls.clientCertificate()) + ": " + e.getMessage(), e);
    }
  }

  /** The JDK's trusted CAs plus those of the PEM files. */
  private static TrustManagerFactory trustWithExtraCas(java.util.List<Path> pemFiles) throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    Path cacerts = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
    if (Files.isRegularFile(cacerts)) {
      try (InputStream in = Files.newInputStream(cacerts)) {
        store.load(in, null);
      }
    } else {
      store.load(null, null);
    }
    int n = 0;
    for (Path pemFile : pemFiles) {
      int before = n;
      try (InputStream in = Files.newInputStream(pemFile)) {
        for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          store.setCertificateEntry("lazypull-extra-ca-" + n++, cert);
        }
      }
      if (n == before) {
        throw new IOException("no certificate in CA bundle " + pemFile);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    return tmf;
  }

  public Duration readTimeout() {
    return readTimeout;
  }

  /** {@code h2} or {@code http/1.1}: what was negotiated with {@code origin}; null before the first request. */
  public String protocol(Origin origin) {
    ConnectionPool pool = pools.get(origin);
    return pool == null ? null : pool.protocol();
  }

  /** Closes the idle connections; the shared event loops stay for other transports. */
  @Override
  public void close() {
    pools.values().forEach(ConnectionPool::close);
    pools.clear();
  }
}
