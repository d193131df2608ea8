package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.benchmarks.pulltime.PullMethod.CacheState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A lazy node's state under the trial's node directory: the chunk cache and the mount points. */
record LazyNode(Path cacheDir, Path mountsDir) {

  static LazyNode under(Path nodeDir) {
    return new LazyNode(nodeDir.resolve("chunk-cache"), nodeDir.resolve("mounts"));
  }

  /** Cold empties the chunk cache; warm keeps what earlier runs fetched. */
  void reset(CacheState cache) throws IOException, InterruptedException {
    if (cache == CacheState.COLD) {
      Commands.run("rm", "-rf", cacheDir.toString());
    }
  }

  /** A fresh, empty mount point for {@code container}. */
  Path mountPoint(String container) throws IOException {
    return Files.createDirectories(mountsDir.resolve(container));
  }
}
