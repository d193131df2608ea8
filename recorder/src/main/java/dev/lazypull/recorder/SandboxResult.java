package dev.lazypull.recorder;

import java.util.List;

/** How a sandboxed command ended: its exit status (-1 when killed at the time limit) and its last output lines. */
public record SandboxResult(int exitStatus, boolean timedOut, List<String> lastLines) {
  public SandboxResult {
    lastLines = List.copyOf(lastLines);
  }

  public boolean succeeded() {
    return !timedOut && exitStatus == 0;
  }
}
