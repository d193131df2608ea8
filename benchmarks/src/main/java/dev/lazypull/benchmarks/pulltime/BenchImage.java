package dev.lazypull.benchmarks.pulltime;

import java.nio.file.Path;
import java.util.Set;

/**
 * A test image as the harness uses it: the original (gzip layers, for the full pull) and its lazy
 * conversion, each an OCI image layout on local disk, pushed into each trial's registry.
 *
 * @param name the benchmark's name for it ({@code minbase}, {@code python}, {@code related}, {@code stack}, {@code stack-plain})
 * @param workloads the workloads that can run in it
 */
public record BenchImage(String name, Path source, String sourceTag, Path lazy, String lazyTag, Set<Workload> workloads) {
  public BenchImage {
    workloads = Set.copyOf(workloads);
  }

  /** Whether {@code workload} can run in this image (the programs it needs are in it). */
  public boolean runs(Workload workload) {
    return workloads.contains(workload);
  }

  /** {@code oci:DIR:TAG} of the original image. */
  public String sourceLayoutRef() {
    return "oci:" + source + ":" + sourceTag;
  }

  public String lazyLayoutRef() {
    return "oci:" + lazy + ":" + lazyTag;
  }

  /** The repository it lives in on the trial's registry. */
  public String repository() {
    return "bench/" + name;
  }
}
