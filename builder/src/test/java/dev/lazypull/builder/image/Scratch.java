package dev.lazypull.builder.image;

import dev.lazypull.testkit.images.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A scratch directory under target/ removed with {@code rm -rf}: unpacked images hold devices,
 * absolute symlinks and root-owned files that JUnit's TempDir complains about.
 */
final class Scratch implements AutoCloseable {
  private final Path dir;

  Scratch(String name) throws IOException {
    this.dir = Files.createTempDirectory(Files.createDirectories(Path.of("target/it-scratch")), name + "-");
  }

  Path path(String child) {
    return dir.resolve(child);
  }

  @Override
  public void close() throws IOException {
    Commands.run(300, "rm", "-rf", dir.toString());
  }
}
