package dev.lazypull.benchmarks.pulltime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs a system tool to completion; a non-zero exit is an IOException carrying its output. */
public final class Commands {
  private Commands() {}

  public static String run(String... command) throws IOException, InterruptedException {
    return run(List.of(command));
  }

  public static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    int rc = p.waitFor();
    String text = new String(out, StandardCharsets.UTF_8);
    if (rc != 0) {
      throw new IOException(String.join(" ", command) + " failed (exit " + rc + "): " + text.strip());
    }
    return text;
  }
}
