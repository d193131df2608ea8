package dev.lazypull.testkit.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Unpacks images with the standard tools, for the tree-equality oracle: {@code skopeo copy} pulls
 * the image the normal way (from a registry or a layout; it reads gzip and zstd layers and
 * verifies every digest) into a gzip OCI layout, and {@code umoci unpack} extracts it as a
 * container runtime would (whiteouts applied, owners, modes, xattrs, devices restored; needs root).
 */
public final class Unpacker {

  /**
   * Pulls {@code skopeoReference} ({@code oci:DIR:TAG} or {@code docker://host:port/repo:tag}) and
   * unpacks it under {@code work}; returns the root file system directory.
   */
  public static Path pullAndUnpack(String skopeoReference, Path work) throws IOException {
    Path layout = Files.createDirectories(work).resolve("pulled");
    Commands.run(600, "skopeo", "copy", "-q", "--src-tls-verify=false", "--dest-compress",
        "--dest-compress-format", "gzip", skopeoReference, "oci:" + layout + ":image");
    return unpack(layout, "image", work.resolve("bundle"));
  }

  /** Unpacks a gzip/plain OCI layout's {@code tag} into {@code bundle}; returns {@code bundle/rootfs}. */
  public static Path unpack(Path layout, String tag, Path bundle) throws IOException {
    if (Files.exists(bundle)) {
      throw new IOException(bundle + " exists already; umoci unpacks into a new directory");
    }
    Commands.run(600, "umoci", "unpack", "--image", layout + ":" + tag, bundle.toString());
    // umoci also writes config.json, umoci.json and an mtree manifest beside rootfs; only rootfs is the image.
    return bundle.resolve("rootfs");
  }

  private Unpacker() {}
}
