package dev.lazypull.oci;

/** An index entry's platform ({@code os}, {@code architecture}, optional {@code variant}). */
public record Platform(String os, String architecture, String variant) {
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
