package dev.lazypull.benchmarks.link;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One direction of one proxied connection: a reader that paces what it reads through the shared
 * {@link Pacer} and stamps each segment with its arrival time (sent + one-way delay), and a
 * writer that delivers each segment no earlier than that time. The queue between them is bounded,
 * so a slow receiver pushes back on the sender as TCP would.
 */
final class Direction {
  /**
   * The most one read takes in: its transmission at 1 Gbit/s (0.5 ms) stays well under the RTT,
   * and it keeps the per-segment cost low enough for the proxy to reach that rate on a busy machine.
   */
  static final int SEGMENT_BYTES = 64 * 1024;

  private final Socket from;
  private final Socket to;
  private final Pacer pacer;
  private final long delayNanos;
  private final BlockingQueue<Segment> inFlight;

  Direction(Socket from, Socket to, Pacer pacer, LinkProfile link) {
    this.from = from;
    this.to = to;
    this.pacer = pacer;
    this.delayNanos = link.oneWayDelayNanos();
    // Room for the bytes the link holds in flight plus slack, like a socket buffer.
    int capacity = (int) Math.min(65_536, link.oneWayBytesInFlight() / SEGMENT_BYTES + 64);
    this.inFlight = new ArrayBlockingQueue<>(capacity);
  }

  /** Reads from {@code from} until EOF; ends with a FIN segment. */
  void pump() throws IOException, InterruptedException {
    InputStream in = from.getInputStream();
    while (true) {
      byte[] buf = new byte[SEGMENT_BYTES];
      int n = in.read(buf);
      long now = System.nanoTime();
      if (n < 0) {
        inFlight.put(Segment.fin(now + delayNanos));
        return;
      }
      long sent = pacer.reserve(n, now);
      inFlight.put(new Segment(buf, n, sent + delayNanos));
      sleepUntil(sent);
    }
  }

  /** Writes segments to {@code to} at their arrival times; half-closes it at the FIN. */
  void deliver() throws IOException, InterruptedException {
    OutputStream out = to.getOutputStream();
    while (true) {
      Segment s = inFlight.poll(1, TimeUnit.DAYS);
      if (s == null) {
        continue;
      }
      sleepUntil(s.dueNanos());
      if (s.isFin()) {
        to.shutdownOutput();
        return;
      }
      out.write(s.data(), 0, s.length());
    }
  }

  private static void sleepUntil(long deadline) throws InterruptedException {
    long wait;
    while ((wait = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }
}
