package dev.lazypull.agent.mounts;

import dev.lazypull.agent.snapshots.LazyChain;
import dev.lazypull.agent.snapshots.LazyChainMounter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

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

  /**
   * A chain the agent kept across its restart is adopted as it is being taken back, without
   * waiting (containerd's overlay mounts over it wait in the kernel until it serves); any other is
   * mounted now.
   */
  @Override
  public Mounted mount(LazyChain chain, Path dir) throws IOException {
    Optional<CompletableFuture<MountRegistry.Mounted>> kept = mounts.keptChain(dir, chain.layers());
    if (kept.isPresent()) {
      return () -> {
        MountRegistry.Mounted m;
        try {
          m = kept.get().join();
        } catch (CompletionException | CancellationException e) {
          return; // it was not taken back: nothing is mounted
        }
        m.close();
      };
    }
    return mounts.mountLayers(chain.imageRef(), chain.layers(), dir)::close;
  }
}
