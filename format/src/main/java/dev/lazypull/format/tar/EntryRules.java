package dev.lazypull.format.tar;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.PathNames;
import dev.lazypull.format.TarEntry;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a layer's entry may be: the policy between a decoded {@link TarHeader} and the format's
 * {@link TarEntry}. Refuses what lazypull cannot represent faithfully (sparse files, multi-volume
 * archives, unknown types) and what would be unsafe or meaningless to unpack (ids beyond 32 bits,
 * data on entries that have none, empty or NUL-bearing link targets, hardlinks to nothing). Names
 * come out in the format's normal form.
 *
 * <p>Keeps one piece of state per layer: the non-directories seen so far, to check hardlinks.
 */
final class EntryRules {
  private final String layer;
  private final Predicate<String> lowerLayersHave;
  private final Set<String> nonDirectories = new HashSet<>();

  /**
   * @param layer how errors name the layer
   * @param lowerLayersHave whether a path exists as a non-directory in the layers below; null when
   *     unknown, which lets hardlinks to unseen targets pass
   */
  EntryRules(String layer, Predicate<String> lowerLayersHave) {
    this.layer = layer;
    this.lowerLayersHave = lowerLayersHave;
  }

  TarEntry entry(TarHeader h) throws TarFormatException {
    String name = h.name();
    for (String key : h.paxKeys()) {
      if (key.startsWith("GNU.sparse.")) {
        throw error(name, "GNU sparse files are not supported");
      }
    }
    EntryType type = switch (h.typeflag()) {
      case '0', '7' -> EntryType.FILE;
      case 0 -> name.endsWith("/") ? EntryType.DIR : EntryType.FILE;
      case '1' -> EntryType.HARDLINK;
      case '2' -> EntryType.SYMLINK;
      case '3' -> EntryType.CHAR_DEVICE;
      case '4' -> EntryType.BLOCK_DEVICE;
      case '5' -> EntryType.DIR;
      case '6' -> EntryType.FIFO;
      case 'S' -> throw error(name, "GNU sparse files are not supported");
      case 'M', 'V' -> throw error(name, "multi-volume archives are not supported");
      default -> throw error(name, "unsupported entry type '" + printable(h.typeflag()) + "'");
    };
    String path = normalise(name, name);
    if (path.isEmpty() && type != EntryType.DIR) {
      throw error(name, "the root can only be a directory, not a " + type);
    }
    if (type != EntryType.FILE && h.size() != 0) {
      throw error(name, "size mismatch: a " + type + " entry declares " + h.size() + " bytes of data, it can have none");
    }
    if (h.uid() > TarEntry.MAX_ID || h.gid() > TarEntry.MAX_ID) {
      throw error(name, "uid/gid " + h.uid() + "/" + h.gid() + " exceed the 32 bits Linux has");
    }
    if (h.devMajor() > Integer.MAX_VALUE || h.devMinor() > Integer.MAX_VALUE) {
      throw error(name, "device number " + h.devMajor() + ":" + h.devMinor() + " out of range");
    }
    String linkTarget = switch (type) {
      case SYMLINK -> symlinkTarget(name, h.linkName());
      case HARDLINK -> hardlinkTarget(path, name, h.linkName());
      default -> "";
    };
    if (type == EntryType.DIR) {
      nonDirectories.remove(path);
    } else {
      nonDirectories.add(path);
    }
    try {
      return new TarEntry(path, type, h.mode(), h.uid(), h.gid(), h.size(), h.mtimeSeconds(), h.mtimeNanos(),
          linkTarget, (int) h.devMajor(), (int) h.devMinor(), h.xattrs());
    } catch (IllegalArgumentException e) {
      throw error(name, e.getMessage());
    }
  }

  private String symlinkTarget(String name, String link) throws TarFormatException {
    if (link.isEmpty()) {
      throw error(name, "symlink with an empty target");
    }
    if (link.indexOf('\0') >= 0) {
      throw error(name, "NUL byte in symlink target");
    }
    return link;
  }

  private String hardlinkTarget(String path, String name, String link) throws TarFormatException {
    String target = normalise(link, name);
    if (target.isEmpty()) {
      throw error(name, "hardlink to the root directory");
    }
    if (target.equals(path)) {
      throw error(name, "hardlink to itself");
    }
    boolean here = nonDirectories.contains(target);
    if (!here && lowerLayersHave != null && !lowerLayersHave.test(target)) {
      throw error(name, "hardlink target '" + target
          + "' is neither an earlier entry of this layer nor a file of a lower layer");
    }
    return target;
  }

  /** A tar name in the format's normal form; absolute names are taken relative to the root. */
  private String normalise(String raw, String entry) throws TarFormatException {
    if (raw.isEmpty()) {
      throw error(entry, "empty name");
    }
    try {
      return PathNames.normalize(raw);
    } catch (IllegalArgumentException e) {
      throw error(entry, e.getMessage());
    }
  }

  private static String printable(byte b) {
    return b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : "0x" + Integer.toHexString(b & 0xff);
  }

  private TarFormatException error(String entry, String problem) {
    return new TarFormatException(layer, entry, problem);
  }
}
