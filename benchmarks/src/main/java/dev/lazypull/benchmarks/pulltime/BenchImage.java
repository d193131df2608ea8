package dev.lazypull.benchmarks.pulltime;

import java.nio.file.Path;

/**
 * A test image as the harness uses it: the original (gzip layers, for the full pull) and its lazy
 * conversion, each an OCI image layout on local disk, pushed into each trial's registry.
 *
 * @param name the benchmark's name for it ({@code minbase}, {@code python}, {@code related})
 * @param hasPython whether {@code python3 -c "import numpy"} can run in it
 */
public record BenchImage(String name, Path source, String sourceTag, Path lazy, String lazyTag, boolean hasPython) {

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
