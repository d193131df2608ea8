package dev.lazypull.benchmarks.pulltime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's load, recorded with every run: a shared machine makes figures noisy, and the reader should know how much. */
public record MachineLoad(double load1, double load5, double load15, int cpus) {

  public static MachineLoad sample() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return new MachineLoad(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]), Runtime.getRuntime().availableProcessors());
    } catch (IOException | RuntimeException e) {
      return new MachineLoad(-1, -1, -1, Runtime.getRuntime().availableProcessors());
    }
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "load average %.2f %.2f %.2f on %d CPUs", load1, load5, load15, cpus);
  }
}
