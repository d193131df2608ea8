package dev.lazypull.builder.overlay.files;

import dev.lazypull.builder.overlay.BuildInputException;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.format.toc.LayerTocs;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.registry.ImageStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Places the added entries in the base image's tree the way {@code docker build}'s COPY does. A
 * layer entry replaces whatever the lower layers have at its path, so writing {@code lib/x/...}
 * over a base whose {@code /lib} is a symlink (usrmerge) would replace the symlink with a
 * directory and hide {@code /usr/lib}. Instead each entry's parent path is resolved through the
 * base's symlinks (inside the image root, at most {@link #MAX_HOPS} links) and the entry is
 * written under the real path; directories the base already has are not written again (their
 * owner, mode and mtime stay the base's); only missing ones are created.
 *
 * <p>The result depends only on the base's tree, which the build hash covers through the base's
 * manifest digest.
 */
public final class BasePaths {
  /** Links followed while resolving one path, as Linux's MAXSYMLINKS. */
  static final int MAX_HOPS = 40;

  private final MergedIndex base;

  public BasePaths(MergedIndex base) {
    this.base = base;
  }

  /** Reads every layer's TOC of the lazy image {@code manifest} (one range request each, in parallel). */
  public static BasePaths read(ImageStore store, ImageManifest manifest) throws IOException {
    List<TocPointer> pointers = new ArrayList<>();
    for (Descriptor layer : manifest.layers()) {
      pointers.add(LazyAnnotations.tocPointer(layer.annotations())
          .orElseThrow(() -> new IOException("base layer " + layer.digest() + " has no lazypull index")));
    }
    IndexBudget budget = IndexBudget.of(IndexBudget.DEFAULT_MAX_BYTES);
    return new BasePaths(MergedIndex.of(LayerTocs.fetch(store, manifest.layers(), pointers, budget, () -> null).tocs(), budget));
  }

  /**
   * {@code files} (sorted, as {@link SourceTree} returns them) moved to their real paths in the
   * base, without the directories the base already has, plus any directory missing on the way to
   * a resolved path; sorted again.
   */
  public List<AddedFile> place(List<AddedFile> files) {
    TreeMap<String, AddedFile> out = new TreeMap<>();
    for (AddedFile f : files) {
      int slash = f.path().lastIndexOf('/');
      String parent = slash < 0 ? "" : resolveDirectory(f.path().substring(0, slash), "/" + f.path());
      String path = join(parent, f.path().substring(slash + 1));
      switch (f) {
        case AddedFile.Directory d -> {
          String real = resolveDirectory(path, "files under /" + f.path());
          if (!isBaseDirectory(real)) {
            out.put(real, new AddedFile.Directory(real));
          }
        }
        case AddedFile.RegularFile r -> out.put(path, new AddedFile.RegularFile(path, r.mode(), r.size(), r.sha256(), r.source()));
        case AddedFile.Symlink s -> out.put(path, new AddedFile.Symlink(path, s.target()));
      }
    }
    for (String path : List.copyOf(out.keySet())) {
      for (int i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
        String dir = path.substring(0, i);
        if (!isBaseDirectory(dir)) {
          out.putIfAbsent(dir, new AddedFile.Directory(dir));
        }
      }
    }
    return List.copyOf(out.values());
  }

  /**
   * The real path of directory {@code path} (root-relative): every component that is a symlink in
   * the base is replaced by its target, an absolute target from the image root, a relative one from
   * the link's directory, {@code ..} never above the root. Components the base lacks are kept as
   * they are (they will be created). {@code what} says what is being added, for errors.
   */
  String resolveDirectory(String path, String what) {
    List<String> pending = new ArrayList<>(components(path));
    List<String> resolved = new ArrayList<>();
    long ino = MergedIndex.ROOT; // -1 once a component is missing: the rest is new
    int hops = 0;
    while (!pending.isEmpty()) {
      String name = pending.removeFirst();
      if (name.equals(".")) {
        continue;
      }
      if (name.equals("..")) {
        if (!resolved.isEmpty()) {
          resolved.removeLast();
        }
        ino = resolved.isEmpty() ? MergedIndex.ROOT : base.lookupPath(String.join("/", resolved));
        continue;
      }
      long child = ino < 0 ? -1 : base.lookup(ino, name);
      if (child < 0) {
        resolved.add(name);
        ino = -1;
        continue;
      }
      EntryType type = base.type(child);
      if (type == EntryType.SYMLINK) {
        if (++hops > MAX_HOPS) {
          throw new BuildInputException("cannot add " + what + ": too many levels of symbolic links in the base image at /"
              + join(String.join("/", resolved), name));
        }
        String target = new String(base.readlink(child), StandardCharsets.UTF_8);
        if (target.startsWith("/")) {
          resolved.clear();
          ino = MergedIndex.ROOT;
        }
        pending.addAll(0, components(target));
        continue;
      }
      if (type != EntryType.DIR) {
        throw new BuildInputException("cannot add " + what + ": /" + join(String.join("/", resolved), name)
            + " is a " + type.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " in the base image, not a directory");
      }
      resolved.add(name);
      ino = child;
    }
    return String.join("/", resolved);
  }

  private boolean isBaseDirectory(String realPath) {
    long ino = base.lookupPath(realPath);
    return ino >= 0 && base.type(ino) == EntryType.DIR;
  }

  private static List<String> components(String path) {
    List<String> parts = new ArrayList<>();
    for (String p : path.split("/+")) {
      if (!p.isEmpty()) {
        parts.add(p);
      }
    }
    return parts;
  }

  private static String join(String dir, String name) {
    return dir.isEmpty() ? name : dir + "/" + name;
  }
}
