package dev.lazypull.builder.overlay.spec;

import dev.lazypull.builder.overlay.BuildInputException;
import java.nio.file.Path;

/**
 * One {@code --add SRC[:DEST]}: a file or directory on the build machine and the absolute path in
 * the image it is copied to. A directory's contents go into {@code destination}; a file becomes
 * {@code destination}, or {@code destination/<name>} when {@code destination} ends with a slash.
 */
public record AddSpec(Path source, String destination) {

  public AddSpec {
    if (!destination.startsWith("/")) {
      throw new BuildInputException("destination in the image must be an absolute path, got '" + destination + "'");
    }
  }

  /**
   * Parses {@code SRC[:DEST]}, resolving a relative SRC against {@code relativeTo}. The split is
   * at the last {@code :} that is followed by an absolute path, so sources may contain colons.
   * Without DEST, {@code defaultDestination} is used (the working directory) or the spec is
   * rejected, because copying a tree into the image's root by accident is never what was meant.
   */
  public static AddSpec parse(String value, Path relativeTo, String defaultDestination) {
    int split = value.lastIndexOf(":/");
    String src = split < 0 ? value : value.substring(0, split);
    String dest = split < 0 ? defaultDestination : value.substring(split + 1);
    if (src.isEmpty()) {
      throw new BuildInputException("'" + value + "': the source before ':' is empty");
    }
    if (dest == null) {
      throw new BuildInputException(
          "'" + value + "' has no destination: write SRC:DEST (e.g. " + src + ":/app) or set a working directory");
    }
    return new AddSpec(relativeTo.resolve(src).normalize(), dest);
  }
}
