package dev.lazypull.benchmarks.pulltime.full;

import dev.lazypull.benchmarks.pulltime.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** A container's root file system as containerd mounts it: overlayfs over the layer snapshots, with a fresh writable upper. */
final class OverlayRootfs implements AutoCloseable {
  private final Path target;
  private final Path scratch;

  private OverlayRootfs(Path target, Path scratch) {
    this.target = target;
    this.scratch = scratch;
  }

  /** Mounts {@code layers} (bottom first) at {@code target}; {@code scratch} holds the upper and work dirs. */
  static OverlayRootfs mount(List<Path> layers, Path target, Path scratch) throws IOException, InterruptedException {
    Path upper = Files.createDirectories(scratch.resolve("upper"));
    Path work = Files.createDirectories(scratch.resolve("work"));
    Files.createDirectories(target);
    String lower = layers.reversed().stream().map(Path::toString).collect(Collectors.joining(":"));
    Commands.run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work, target.toString());
    return new OverlayRootfs(target, scratch);
  }

  Path path() {
    return target;
  }

  @Override
  public void close() throws IOException {
    try {
      Commands.run("umount", target.toString());
      Commands.run("rm", "-rf", scratch.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while unmounting " + target, e);
    }
  }
}
