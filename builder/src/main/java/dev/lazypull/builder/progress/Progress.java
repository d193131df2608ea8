package dev.lazypull.builder.progress;

/**
 * Where long-running work reports how far it got. The programs choose how to show it (the CLI's
 * {@code ConsoleProgress}: a redrawn bar on a terminal, plain lines in logs); tests pass
 * {@link #silent()}.
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
