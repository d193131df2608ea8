package dev.lazypull.agent.snapshots;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-process mounter for unit tests of the snapshotter's bookkeeping and error paths: it
 * mounts nothing, records what it was asked, and fails on demand. The ITs use real mounts.
 */
final class RecordingMounter implements LazyChainMounter {
  final List<LazyChain> checked = new ArrayList<>();
  // the snapshotter mounts a whole image's chain on a thread of its own
  final List<Path> mounted = new java.util.concurrent.CopyOnWriteArrayList<>();
  final List<Path> unmounted = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** The layers of the chain that is a whole image, or null: none is. */
  volatile List<dev.lazypull.oci.Digest> wholeImage;
  IOException checkFailure;
  IOException mountFailure;

  @Override
  public void check(LazyChain chain) throws IOException {
    checked.add(chain);
    if (checkFailure != null) {
      throw checkFailure;
    }
  }

  @Override
  public boolean isWholeImage(LazyChain chain) {
    return chain.layers().equals(wholeImage);
  }

  @Override
  public Mounted mount(LazyChain chain, Path dir) throws IOException {
    if (mountFailure != null) {
      throw mountFailure;
    }
    mounted.add(dir);
    return () -> unmounted.add(dir);
  }
}
