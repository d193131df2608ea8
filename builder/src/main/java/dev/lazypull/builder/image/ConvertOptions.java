package dev.lazypull.builder.image;

import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.oci.Platform;
import java.nio.file.Path;

/**
 * How an image is converted.
 *
 * @param encoder chunk sizes, compression level and threads of the layer encoder
 * @param platform the one platform of an index to convert; null converts every platform
 * @param workDir where lazy layer blobs wait until they are pushed (one layer at a time)
 */
public record ConvertOptions(EncoderOptions encoder, Platform platform, Path workDir) {

  public static ConvertOptions defaults() {
    return new ConvertOptions(EncoderOptions.defaults(), null, Path.of(System.getProperty("java.io.tmpdir")));
  }

  public ConvertOptions withEncoder(EncoderOptions newEncoder) {
    return new ConvertOptions(newEncoder, platform, workDir);
  }

  public ConvertOptions withPlatform(Platform newPlatform) {
    return new ConvertOptions(encoder, newPlatform, workDir);
  }

  public ConvertOptions withWorkDir(Path newWorkDir) {
    return new ConvertOptions(encoder, platform, newWorkDir);
  }
}
