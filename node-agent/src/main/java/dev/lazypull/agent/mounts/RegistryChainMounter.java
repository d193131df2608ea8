package dev.lazypull.agent.mounts;

import dev.lazypull.agent.snapshots.LazyChain;
import dev.lazypull.agent.snapshots.LazyChainMounter;
import java.io.IOException;
import java.nio.file.Path;

/**
 * containerd's lazy chains mounted by the agent's mount registry, so they share the node cache
 * and registry connections with every other mount and show in {@code list} and {@code stats}.
 * The pre-commit check is the snapshotter's own.
 */
public final class RegistryChainMounter implements LazyChainMounter {
  private final MountRegistry mounts;
  private final LazyChainMounter checker;

  public RegistryChainMounter(MountRegistry mounts, LazyChainMounter checker) {
    this.mounts = mounts;
    this.checker = checker;
  }

  @Override
  public void check(LazyChain chain) throws IOException {
    checker.check(chain);
  }

  @Override
  public Mounted mount(LazyChain chain, Path dir) throws IOException {
    return mounts.mountLayers(chain.imageRef(), chain.layers(), dir)::close;
  }
}
