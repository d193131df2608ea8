package dev.lazypull.builder.progress;

import java.io.PrintWriter;

/**
 * Where long-running work reports how far it got: a redrawn bar on a terminal, plain lines in
 * logs, nothing in tests. Reports go to stderr so that stdout stays machine-readable.
 */
public interface Progress {

  /** Starts a task of {@code totalBytes} (0 when unknown). */
  Task start(String label, long totalBytes);

  /** A line of its own (a finished step, a warning). */
  void message(String line);

  /** One task; not thread-safe beyond {@link #advance}, which may be called from any one thread. */
  interface Task {
    void advance(long bytes);

    void done(String summary);
  }

  /** A bar on {@code err} when the process runs on a terminal, plain lines otherwise. */
  static Progress forConsole(PrintWriter err) {
    java.io.Console console = System.console();
    boolean terminal = console != null && console.isTerminal();
    return terminal ? new TerminalProgress(err) : new LineProgress(err);
  }

  static Progress lines(PrintWriter out) {
    return new LineProgress(out);
  }

  static Progress silent() {
    return new Progress() {
      @Override
      public Task start(String label, long totalBytes) {
        return new Task() {
          @Override
          public void advance(long bytes) {}

          @Override
          public void done(String summary) {}
        };
      }

      @Override
      public void message(String line) {}
    };
  }

  /** "12.3 MB" style, decimal units as registries and docker print them. */
  static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = n;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
