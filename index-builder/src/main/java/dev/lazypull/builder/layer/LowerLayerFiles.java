package dev.lazypull.builder.layer;

import dev.lazypull.format.TarEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The non-directory paths that the layers converted so far leave visible, whiteouts applied: what
 * a hardlink in the next layer may point at. A layer's changes are collected while it is read and
 * applied only when it is done, because its whiteouts hide lower files, not its own.
 */
public final class LowerLayerFiles {
  private final NavigableSet<String> files = new TreeSet<>();
  private final List<TarEntry> pending = new ArrayList<>();

  /** Whether the layers below the current one leave {@code path} as a non-directory. */
  public boolean contains(String path) {
    return files.contains(path);
  }

  /** Records one entry of the layer being read. */
  public void record(TarEntry entry) {
    pending.add(entry);
  }

  /** Applies the current layer: its whiteouts first (they hide lower files), then its entries. */
  public void layerDone() {
    for (TarEntry raw : pending) {
      TarEntry e = raw.classified();
      switch (e.type()) {
        case WHITEOUT -> removeTree(e.whiteoutTarget());
        case OPAQUE -> removeChildren(e.whiteoutTarget());
        default -> {}
      }
    }
    for (TarEntry raw : pending) {
      TarEntry e = raw.classified();
      switch (e.type()) {
        case WHITEOUT, OPAQUE -> {}
        case DIR -> files.remove(e.path());
        default -> {
          removeChildren(e.path()); // a file replacing a directory hides what was below it
          files.add(e.path());
        }
      }
    }
    pending.clear();
  }

  private void removeTree(String path) {
    files.remove(path);
    removeChildren(path);
  }

  private void removeChildren(String dir) {
    if (dir.isEmpty()) {
      files.clear();
      return;
    }
    // '/' + 1 == '0': every path below dir/ sorts in [dir/, dir0).
    files.subSet(dir + "/", true, dir + "0", false).clear();
  }

  /** How many files are visible, for tests and reports. */
  public int size() {
    return files.size();
  }
}
