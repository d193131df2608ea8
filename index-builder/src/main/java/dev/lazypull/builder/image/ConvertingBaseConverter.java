package dev.lazypull.builder.image;

import dev.lazypull.builder.overlay.BaseConverter;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;

/** The overlay build's {@link BaseConverter}: converts a non-lazy base with {@link ImageConverter}. */
public final class ConvertingBaseConverter implements BaseConverter {
  private final ConvertOptions options;
  private final Progress progress;

  public ConvertingBaseConverter(ConvertOptions options, Progress progress) {
    this.options = options;
    this.progress = progress;
  }

  @Override
  public Converted convert(ImageStore source, ManifestBytes sourceManifest, ImageStore target, String tag)
      throws IOException {
    ConversionResult r = new ImageConverter(source, target, options, progress).convert(sourceManifest, tag);
    return new Converted(r.manifest(), r.layersConverted(), r.lazyBytes());
  }
}
