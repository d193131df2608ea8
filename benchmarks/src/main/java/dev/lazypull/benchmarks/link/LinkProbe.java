package dev.lazypull.benchmarks.link;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measures what a link actually delivers, over HTTP as the registry client will use it: the RTT
 * as the median time of small requests on a kept-alive connection, and the rate as a timed
 * download of a large body (from its first byte to its last, so the RTT is not counted twice).
 */
public final class LinkProbe {
  private LinkProbe() {}

  /** What was measured. */
  public record Measurement(double megabitsPerSecond, Duration rtt, long bytes, Duration transfer) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "measured %.0f Mbit/s (%d bytes in %d ms), RTT %.1f ms",
          megabitsPerSecond, bytes, transfer.toMillis(), rtt.toNanos() / 1e6);
    }
  }

  /**
   * @param small a URL answering quickly with a small body (the registry's {@code /v2/})
   * @param large a URL with a large body (a blob of tens of MB), to time the rate
   */
  public static Measurement measure(URI small, URI large) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      HttpRequest ping = HttpRequest.newBuilder(small).GET().build();
      http.send(ping, HttpResponse.BodyHandlers.discarding()); // opens the connection
      long[] rtts = new long[5];
      for (int i = 0; i < rtts.length; i++) {
        long t0 = System.nanoTime();
        http.send(ping, HttpResponse.BodyHandlers.discarding());
        rtts[i] = System.nanoTime() - t0;
      }
      Arrays.sort(rtts);

      HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(large).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        throw new IOException("GET " + large + " answered " + r.statusCode());
      }
      // The clock starts at the first bytes and counts only those that arrive after them.
      long bytes = 0;
      long first = 0;
      byte[] buf = new byte[64 * 1024];
      try (InputStream in = r.body()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (first == 0 && n > 0) {
            first = System.nanoTime();
          } else {
            bytes += n;
          }
        }
      }
      if (first == 0) {
        throw new IOException("GET " + large + " returned an empty body");
      }
      long nanos = Math.max(1, System.nanoTime() - first);
      return new Measurement(bytes * 8e3 / nanos, Duration.ofNanos(rtts[rtts.length / 2]), bytes, Duration.ofNanos(nanos));
    }
  }
}
