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
  final List<Path> mounted = new ArrayList<>();
  final List<Path> unmounted = new ArrayList<>();
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
  public Mounted mount(LazyChain chain, Path dir) throws IOException {
    if (mountFailure != null) {
      throw mountFailure;
    }
    mounted.add(dir);
    return () -> unmounted.add(dir);
  }
}
