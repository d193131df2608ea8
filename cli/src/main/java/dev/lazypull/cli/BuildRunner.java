package dev.lazypull.cli;

import dev.lazypull.builder.overlay.BuildInputException;
import dev.lazypull.builder.overlay.BuildResult;
import dev.lazypull.builder.overlay.OverlayBuild;
import dev.lazypull.builder.overlay.spec.BuildSpec;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.registry.ImageRef;
import dev.lazypull.registry.ImageStore;
import java.io.IOException;

/** Opens the base and target stores of one {@link BuildSpec} and runs the build. */
final class BuildRunner {
  private BuildRunner() {}

  static BuildResult run(BuildSpec spec, OverlayBuild.Options options, RegistryFlags registry, Progress progress,
      dev.lazypull.builder.image.BeforeTag beforeTag) throws IOException {
    ImageRef baseRef = parse(spec.base(), "base image");
    ImageRef targetRef = parse(spec.repository(), "target repository");
    if (namesATag(spec.repository(), targetRef)) {
      throw new BuildInputException("target '" + spec.repository() + "' names a tag; give the repository only"
          + " (the tag is computed; use --tag for additional tags)");
    }
    try (ImageStore base = registry.openSource(baseRef);
        ImageStore target = registry.openTarget(targetRef)) {
      return new OverlayBuild(options, progress, beforeTag).build(spec, base, baseRef.reference(), target);
    }
  }

  private static boolean namesATag(String text, ImageRef ref) {
    return switch (ref) {
      case ImageRef.LayoutRef l -> l.tag() != null;
      case ImageRef.RegistryRef r -> text.substring(text.lastIndexOf('/') + 1).contains(":");
    };
  }

  private static ImageRef parse(String text, String what) {
    try {
      return ImageRef.parse(text);
    } catch (IllegalArgumentException e) {
      throw new BuildInputException(what + " '" + text + "': " + e.getMessage(), e);
    }
  }
}
