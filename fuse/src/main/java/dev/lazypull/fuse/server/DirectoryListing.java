package dev.lazypull.fuse.server;

import dev.lazypull.fuse.DirSink;
import dev.lazypull.fuse.Entry;
import dev.lazypull.fuse.FileSystem;
import dev.lazypull.fuse.FileType;
import dev.lazypull.fuse.FuseException;
import dev.lazypull.fuse.MountOptions;
import dev.lazypull.fuse.wire.Structs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Encodes one READDIR or READDIRPLUS answer. For READDIRPLUS it looks each name up (which counts a
 * lookup, as the kernel expects of every direntplus with a node id), but only once the entry is
 * known to fit, so no lookup is counted for an entry the kernel never sees.
 */
final class DirectoryListing implements DirSink {
  private final ByteBuffer out;
  private final int end;
  private final boolean plus;
  private final FileSystem fs;
  private final long dir;
  private final MountOptions opts;
  private long lastOffset;

  DirectoryListing(ByteBuffer out, int size, boolean plus, FileSystem fs, long dir, MountOptions opts) {
    this.out = out;
    this.end = out.position() + size;
    this.plus = plus;
    this.fs = fs;
    this.dir = dir;
    this.opts = opts;
  }

  @Override
  public boolean add(String name, long ino, FileType type, long nextOffset) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length == 0 || bytes.length > 255 || name.indexOf('/') >= 0 || name.indexOf(0) >= 0) {
      throw new IllegalArgumentException("invalid directory entry name: '" + name + "'");
    }
    if (nextOffset <= lastOffset) {
      throw new IllegalArgumentException("directory offsets must increase: " + nextOffset + " after " + lastOffset);
    }
    int need = plus ? Structs.direntplusSize(bytes.length) : Structs.direntSize(bytes.length);
    if (out.position() + need > end) {
      return false;
    }
    lastOffset = nextOffset;
    if (!plus) {
      Structs.putDirent(out, ino, nextOffset, type.direntType(), bytes);
      return true;
    }
    Entry entry = isDot(name) ? null : lookup(name);
    Structs.putDirentplus(out, entry, opts.entryTimeout(), opts.attrTimeout(), entry == null ? ino : entry.ino(),
        nextOffset, type.direntType(), bytes);
    return true;
  }

  private Entry lookup(String name) {
    try {
      return fs.lookup(dir, name).orElse(null);
    } catch (FuseException e) {
      return null; // listed as a plain dirent; the kernel looks it up itself when needed
    }
  }

  private static boolean isDot(String name) {
    return name.equals(".") || name.equals("..");
  }
}
