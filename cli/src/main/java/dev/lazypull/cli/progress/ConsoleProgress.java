package dev.lazypull.cli.progress;

import dev.lazypull.builder.progress.Progress;
import java.io.PrintWriter;

/** How the CLI shows progress: on stderr, so that stdout stays machine-readable. */
public final class ConsoleProgress {

  /** A redrawn bar when the process runs on a terminal, plain lines (for CI logs) otherwise. */
  public static Progress on(PrintWriter err) {
    java.io.Console console = System.console();
    boolean terminal = console != null && console.isTerminal();
    return terminal ? new TerminalProgress(err) : new LineProgress(err);
  }

  private ConsoleProgress() {}
}
