package dev.lazypull.benchmarks.link;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback that makes a local server look as if it sat behind a network link of
 * a given rate and round-trip time. This kernel has no {@code sch_netem}, so the link is emulated
 * in user space: every segment is delayed by half the RTT in each direction (a delay per segment,
 * not per connection, so a bulk transfer is bandwidth-bound and a request/response pays the RTT),
 * and one token bucket per direction, shared by all connections, holds them together to the rate.
 *
 * <p>Each direction of each connection uses two virtual threads (reader, writer); both end when
 * the connection ends or the emulator closes.
 */
public final class LinkEmulator implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress upstream;
  private final LinkProfile link;
  private final Pacer downstream;
  private final Pacer upstreamPacer;
  private final Set<Connection> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong connections = new AtomicLong();
  private final Thread acceptor;

  private LinkEmulator(ServerSocket listener, InetSocketAddress upstream, LinkProfile link) {
    this.listener = listener;
    this.upstream = upstream;
    this.link = link;
    long burst = Math.max(1_000_000L, (long) (2 * Direction.SEGMENT_BYTES * 8e9 / link.bitsPerSecond()));
    this.downstream = new Pacer(link.bitsPerSecond(), burst);
    this.upstreamPacer = new Pacer(link.bitsPerSecond(), burst);
    this.acceptor = Thread.ofVirtual().name("link-accept-" + listener.getLocalPort()).start(this::acceptLoop);
  }

  /** Starts an emulator on a free loopback port in front of {@code upstream}. */
  public static LinkEmulator start(InetSocketAddress upstream, LinkProfile link) throws IOException {
    ServerSocket listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
    return new LinkEmulator(listener, upstream, link);
  }

  /** The address clients connect to instead of the upstream server. */
  public InetSocketAddress address() {
    return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
  }

  /** {@code 127.0.0.1:PORT}, the form a registry reference takes. */
  public String hostPort() {
    return listener.getInetAddress().getHostAddress() + ":" + listener.getLocalPort();
  }

  public LinkProfile link() {
    return link;
  }

  /**
   * Bytes the link has carried from the server to its clients so far, every connection together:
   * what a client fetched, HTTP headers included, whatever client it was (containerd, the agent,
   * the harness), so methods that report no figures of their own are counted the same way.
   */
  public long bytesDownstream() {
    return downstream.bytesSent();
  }

  /** Connections accepted so far. */
  public long connections() {
    return connections.get();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        connections.incrementAndGet();
        Thread.ofVirtual().name("link-conn").start(() -> proxy(client));
      } catch (IOException e) {
        if (!listener.isClosed()) {
          System.err.println("link emulator: accept failed: " + e);
        }
      }
    }
  }

  private void proxy(Socket client) {
    Connection c = new Connection(client);
    open.add(c);
    try {
      c.run(upstream, upstreamPacer, downstream, link);
    } catch (InterruptedException e) {
      c.abort();
    } finally {
      open.remove(c);
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    acceptor.interrupt();
    for (Connection c : open) {
      c.abort();
    }
  }
}
