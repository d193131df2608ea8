package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.testkit.images.DebianImages;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A program run chrooted into an image's root file system, the container's first process. */
public enum Workload {
  BASH("/bin/bash -c true", List.of("/bin/bash", "-c", "true")),
  NUMPY("python3 -c \"import numpy\"", List.of("python3", "-c", "import numpy")),
  /** The big image's start-up; matplotlib needs a writable directory (its config and cache), hence a /tmp. */
  STACK("python3 -c \"" + DebianImages.STACK_IMPORT + "\"", List.of("python3", "-c", DebianImages.STACK_IMPORT), true);

  private final String display;
  private final List<String> argv;
  private final boolean needsTmp;

  Workload(String display, List<String> argv) {
    this(display, argv, false);
  }

  Workload(String display, List<String> argv, boolean needsTmp) {
    this.display = display;
    this.argv = argv;
    this.needsTmp = needsTmp;
  }

  /** The {@code @Param} spelling: {@code bash}, {@code numpy} or {@code stack}. */
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

  /**
   * Runs the workload chrooted into {@code root} with a container's minimal environment; fails
   * unless it exits 0. A workload that writes gets a fresh tmpfs on the root's {@code /tmp}, in a
   * mount namespace of its own (gone with the process), as a container's writable layer would
   * give it: a lazy mount is read-only.
   */
  public void runIn(Path root) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    if (needsTmp) {
      cmd.addAll(List.of("unshare", "--mount", "--propagation", "private",
          "sh", "-c", "mount -t tmpfs tmpfs \"$0/tmp\" && exec chroot \"$0\" \"$@\"", root.toString()));
    } else {
      cmd.addAll(List.of("chroot", root.toString()));
    }
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
