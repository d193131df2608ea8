package dev.lazypull.builder.layer;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.TarEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The non-directory paths that the layers converted so far leave visible, whiteouts applied: what
 * a hardlink in the current layer may point at. The current layer's whiteouts take effect as they
 * are read (an extractor deletes before it links what follows); its own entries join the set only
 * when the layer is done, because the tar reader tracks those itself.
 */
public final class LowerLayerFiles {
  private final NavigableSet<String> files = new TreeSet<>();
  private final List<TarEntry> pending = new ArrayList<>();

  /** Whether the layers below leave {@code path} as a non-directory, after the current layer's whiteouts so far. */
  public boolean contains(String path) {
    return files.contains(path);
  }

  /** Records one entry of the layer being read. */
  public void record(TarEntry raw) {
    TarEntry e = raw.classified();
    switch (e.type()) {
      case WHITEOUT -> removeTree(e.whiteoutTarget());
      case OPAQUE -> removeChildren(e.whiteoutTarget());
      default -> pending.add(e);
    }
  }

  /** Adds the current layer's entries: the next layer sees them as lower files. */
  public void layerDone() {
    for (TarEntry e : pending) {
      if (e.type() == EntryType.DIR) {
        files.remove(e.path());
      } else {
        removeChildren(e.path()); // a file replacing a directory hides what was below it
        files.add(e.path());
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
