package dev.lazypull.agent.snapshots;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Mounts lazy images for the snapshotter: the seam between the containerd snapshotter and whoever
 * owns the node's mounts and chunk cache (the agent's mount registry; a recording fake in the
 * snapshotter's unit tests).
 */
public interface LazyChainMounter {

  /**
   * Checks, before containerd is told a layer needs no download, that {@code chain} can be mounted:
   * its image is reachable, lazy, its lowest layers are {@code chain.layers()}, and the top layer's
   * TOC is there and verified. Throws saying why not; the layer is then unpacked the ordinary way.
   */
  void check(LazyChain chain) throws IOException;

  /**
   * Mounts the merged tree of {@code chain} read-only at {@code dir} (an empty directory, or one
   * holding this chain's mount from before a restart: a dead one it removes, a kept one it may
   * adopt) and returns once the kernel serves it or will.
   */
  Mounted mount(LazyChain chain, Path dir) throws IOException;

  /**
   * Whether {@code chain}, just checked, is all of its image's layers: the chain a container of the
   * image stands on, which the snapshotter then mounts at once in the background, before containerd
   * asks for it. False when the mounter cannot tell.
   */
  default boolean isWholeImage(LazyChain chain) {
    return false;
  }

  /** A mounted chain; closing unmounts it. */
  interface Mounted extends AutoCloseable {
    @Override
    void close() throws IOException;
  }
}
