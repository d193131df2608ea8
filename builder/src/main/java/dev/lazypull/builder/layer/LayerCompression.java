package dev.lazypull.builder.layer;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** How a source layer blob is compressed, from its media type, checked against its first bytes. */
public enum LayerCompression {
  NONE,
  GZIP,
  ZSTD;

  /**
   * The compression a layer media type declares (OCI and Docker schema 2, distributable or not).
   *
   * @throws IllegalArgumentException for a media type that is not a tar layer
   */
  public static LayerCompression ofMediaType(String mediaType) {
    return switch (mediaType) {
      case "application/vnd.oci.image.layer.v1.tar",
          "application/vnd.oci.image.layer.nondistributable.v1.tar",
          "application/vnd.docker.image.rootfs.diff.tar" -> NONE;
      case "application/vnd.oci.image.layer.v1.tar+gzip",
          "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
          "application/vnd.docker.image.rootfs.diff.tar.gzip",
          "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" -> GZIP;
      case "application/vnd.oci.image.layer.v1.tar+zstd",
          "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
          "application/vnd.docker.image.rootfs.diff.tar.zstd" -> ZSTD;
      default -> throw new IllegalArgumentException("not a tar layer media type: " + mediaType);
    };
  }

  /**
   * The uncompressed tar stream of {@code compressed}. Refuses a blob whose first bytes contradict
   * the media type, so a mislabelled layer fails here with a clear message rather than in the tar
   * parser with a confusing one.
   */
  public InputStream decompress(InputStream compressed, String layer) throws IOException {
    BufferedInputStream in = new BufferedInputStream(compressed, 1 << 16);
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    LayerCompression actual = sniff(magic);
    if (actual != this && !(this == NONE && actual == NONE)) {
      throw new IOException("layer " + layer + " is declared " + describe() + " but its content is " + actual.describe());
    }
    return switch (this) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, 1 << 16);
      case ZSTD -> new ZstdInputStream(in);
    };
  }

  static LayerCompression sniff(byte[] magic) {
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return GZIP;
    }
    if (magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      return ZSTD;
    }
    return NONE;
  }

  private String describe() {
    return switch (this) {
      case NONE -> "an uncompressed tar";
      case GZIP -> "gzip";
      case ZSTD -> "zstd";
    };
  }
}
