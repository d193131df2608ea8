package dev.lazypull.benchmarks.pulltime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A program run chrooted into an image's root file system, the container's first process. */
public enum Workload {
  BASH("/bin/bash -c true", List.of("/bin/bash", "-c", "true")),
  NUMPY("python3 -c \"import numpy\"", List.of("python3", "-c", "import numpy"));

  private final String display;
  private final List<String> argv;

  Workload(String display, List<String> argv) {
    this.display = display;
    this.argv = argv;
  }

  /** The {@code @Param} spelling: {@code bash} or {@code numpy}. */
  public static Workload parse(String name) {
    return valueOf(name.toUpperCase(java.util.Locale.ROOT));
  }

  public String display() {
    return display;
  }

  /** The program and its arguments, as a container's process. */
  public List<String> argv() {
    return argv;
  }

  /** Runs the workload chrooted into {@code root} with a container's minimal environment; fails unless it exits 0. */
  public void runIn(Path root) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("chroot", root.toString()));
    cmd.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("HOME", "/root");
    env.put("LANG", "C.UTF-8");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    int rc = p.waitFor();
    if (rc != 0) {
      throw new IOException(display + " in " + root + " exited " + rc + ": " + new String(out, java.nio.charset.StandardCharsets.UTF_8).strip());
    }
  }
}
