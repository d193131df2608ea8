package dev.lazypull.benchmarks.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks the emulator itself against a plain HTTP server on loopback: the rate it delivers is near
 * the configured one and never above it, and every request pays the RTT. Loose bounds, because
 * this machine is shared; these verify the emulator, they do not time lazypull.
 */
class LinkEmulatorTest {
  private static final int BODY = 6 * 1024 * 1024;
  private HttpServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    byte[] big = new byte[BODY];
    server.createContext("/big", ex -> reply(ex, big));
    server.createContext("/ping", ex -> reply(ex, new byte[] {'o', 'k'}));
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.start();
  }

  private static void reply(com.sun.net.httpserver.HttpExchange ex, byte[] body) throws IOException {
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private URI uri(LinkEmulator link, String path) {
    return URI.create("http://" + link.hostPort() + path);
  }

  @Test
  void deliversTheConfiguredRateAndAddsTheRtt() throws Exception {
    LinkProfile profile = LinkProfile.parse("80mbit", "30ms");
    try (LinkEmulator link = LinkEmulator.start(server.getAddress(), profile)) {
      LinkProbe.Measurement m = LinkProbe.measure(uri(link, "/ping"), uri(link, "/big"));
      System.out.println("link " + profile + ": " + m);

      assertThat(m.megabitsPerSecond()).isBetween(0.5 * 80, 1.1 * 80);
      assertThat(m.rtt()).isBetween(Duration.ofMillis(30), Duration.ofMillis(30 + 150));
    }
  }

  @Test
  void connectionsShareOneRate() throws Exception {
    LinkProfile profile = LinkProfile.parse("80mbit", "2ms");
    try (LinkEmulator link = LinkEmulator.start(server.getAddress(), profile)) {
      long t0 = System.nanoTime();
      Thread a = Thread.ofVirtual().start(() -> probe(link));
      Thread b = Thread.ofVirtual().start(() -> probe(link));
      a.join();
      b.join();
      double seconds = (System.nanoTime() - t0) / 1e9;
      double combined = 2.0 * BODY * 8 / 1e6 / seconds;
      System.out.printf("two connections together: %.1f Mbit/s%n", combined);
      assertThat(combined).isLessThan(1.1 * 80);
      assertThat(link.connections()).isGreaterThanOrEqualTo(2);
    }
  }

  private void probe(LinkEmulator link) {
    try {
      LinkProbe.measure(uri(link, "/ping"), uri(link, "/big"));
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void anUnreachableUpstreamClosesTheClientConnection() throws Exception {
    InetSocketAddress nothing = server.getAddress();
    server.stop(0);
    try (LinkEmulator link = LinkEmulator.start(nothing, LinkProfile.DEFAULT)) {
      assertThatThrownBy(() -> LinkProbe.measure(uri(link, "/ping"), uri(link, "/big"))).isInstanceOf(IOException.class);
    }
  }

  @Test
  void parsesRatesAndDurationsAsTcWritesThem() {
    assertThat(LinkProfile.parse("1gbit", "10ms")).isEqualTo(LinkProfile.DEFAULT);
    assertThat(LinkProfile.parseRate("512kbit")).isEqualTo(512_000);
    assertThat(LinkProfile.parseDuration("500us")).isEqualTo(Duration.ofNanos(500_000));
    assertThatThrownBy(() -> LinkProfile.parse("fast", "10ms")).hasMessageContaining("not a link rate");
    assertThatThrownBy(() -> LinkProfile.parse("1gbit", "-1ms")).hasMessageContaining("not a duration");
  }
}
