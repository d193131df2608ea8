package dev.lazypull.oci;

import java.util.List;

/**
 * An index entry's platform: {@code os}, {@code architecture}, optional {@code variant},
 * {@code os.version} and {@code os.features} (Windows images carry the last two). {@code
 * osFeatures} is never null (empty when absent).
 */
public record Platform(String os, String architecture, String variant, String osVersion, List<String> osFeatures) {

  public Platform {
    osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
  }

  public Platform(String os, String architecture, String variant) {
    this(os, architecture, variant, null, List.of());
  }

  /** The platform of this JVM, in OCI's spelling (amd64, arm64). */
  public static Platform current() {
    String arch =
        switch (System.getProperty("os.arch")) {
          case "amd64", "x86_64" -> "amd64";
          case "aarch64", "arm64" -> "arm64";
          case String other -> other;
        };
    return new Platform("linux", arch, null);
  }
}
