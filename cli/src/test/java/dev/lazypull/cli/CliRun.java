package dev.lazypull.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/** One in-process run of the {@code lazypull} command: exit code, stdout lines, stderr. */
record CliRun(int exit, List<String> out, String err) {

  static CliRun lazypull(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new CliRun(exit, out.toString().lines().toList(), err.toString());
  }

  String lastLine() {
    return out.getLast();
  }

  /** The --json summary printed before the reference. */
  String summary() {
    return out.get(out.size() - 2);
  }
}
