package dev.lazypull.cli.progress;

import dev.lazypull.builder.progress.Progress;

import java.io.PrintWriter;

/** Progress as plain lines, for logs and CI: one line per 25% or per 10 seconds, whichever comes first. */
final class LineProgress implements Progress {
  private static final long INTERVAL_NANOS = 10_000_000_000L;
  private final PrintWriter out;

  LineProgress(PrintWriter out) {
    this.out = out;
  }

  @Override
  public Task start(String label, long totalBytes) {
    out.println(label + ": started" + (totalBytes > 0 ? " (" + Progress.bytes(totalBytes) + ")" : ""));
    out.flush();
    return new Task() {
      private final long started = System.nanoTime();
      private long done;
      private long lastLine = started;
      private int lastQuarter;

      @Override
      public void advance(long bytes) {
        done += bytes;
        long now = System.nanoTime();
        int quarter = totalBytes > 0 ? (int) (done * 4 / totalBytes) : 0;
        if (quarter > lastQuarter && quarter < 4 || now - lastLine > INTERVAL_NANOS) {
          lastQuarter = quarter;
          lastLine = now;
          out.println(label + ": " + Progress.bytes(done) + (totalBytes > 0 ? " of " + Progress.bytes(totalBytes) : ""));
          out.flush();
        }
      }

      @Override
      public void done(String summary) {
        double seconds = (System.nanoTime() - started) / 1e9;
        out.println(label + ": " + summary + String.format(java.util.Locale.ROOT, " (%.1f s)", seconds));
        out.flush();
      }
    };
  }

  @Override
  public void message(String line) {
    out.println(line);
    out.flush();
  }
}
