package dev.lazypull.cli.progress;

import dev.lazypull.builder.progress.Progress;

import java.io.PrintWriter;
import java.util.Locale;

/** A bar redrawn in place on a terminal, at most ten times a second. */
final class TerminalProgress implements Progress {
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final int WIDTH = 30;
  private final PrintWriter out;

  TerminalProgress(PrintWriter out) {
    this.out = out;
  }

  @Override
  public Task start(String label, long totalBytes) {
    return new Task() {
      private final long started = System.nanoTime();
      private long done;
      private long lastDraw;

      @Override
      public void advance(long bytes) {
        done += bytes;
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS) {
          return;
        }
        lastDraw = now;
        double seconds = Math.max(1e-3, (now - started) / 1e9);
        String rate = Progress.bytes((long) (done / seconds)) + "/s";
        if (totalBytes > 0) {
          int filled = (int) Math.min(WIDTH, done * WIDTH / totalBytes);
          String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
          out.printf(Locale.ROOT, "\r\033[K%s [%s] %3d%% %s", label, bar, done * 100 / totalBytes, rate);
        } else {
          out.printf(Locale.ROOT, "\r\033[K%s %s %s", label, Progress.bytes(done), rate);
        }
        out.flush();
      }

      @Override
      public void done(String summary) {
        double seconds = (System.nanoTime() - started) / 1e9;
        out.printf(Locale.ROOT, "\r\033[K%s: %s (%.1f s)%n", label, summary, seconds);
        out.flush();
      }
    };
  }

  @Override
  public void message(String line) {
    out.print("\r\033[K");
    out.println(line);
    out.flush();
  }
}
