package dev.lazypull.cli;

import java.io.PrintWriter;

/**
 * The node agent's client commands ({@code mount}, {@code umount}, {@code stats}): the ones whose
 * start-up a user waits for, so they also run from a command line read without picocli
 * ({@link ClientArgs}). Picocli's {@code call} and that reader's both end in {@link #run}.
 */
public sealed interface ClientCommand permits MountCommand, UmountCommand, StatsCommand {
  /** Runs the command, writing its output to {@code out} and its messages to {@code err}; returns the exit code. */
  int run(PrintWriter out, PrintWriter err);
}
