package dev.lazypull.fuse.wire;

import dev.lazypull.fuse.Attr;
import dev.lazypull.fuse.Entry;
import dev.lazypull.fuse.StatFs;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Encoders for the reply structs of include/uapi/linux/fuse.h, little endian (x86-64, aarch64),
 * each writing at the buffer's position and advancing it by the struct's exact size.
 */
public final class Structs {
  public static final int OUT_HEADER_SIZE = 16;
  public static final int ATTR_SIZE = 88;
  public static final int ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
  public static final int ATTR_OUT_SIZE = 16 + ATTR_SIZE;
  public static final int OPEN_OUT_SIZE = 16;
  public static final int KSTATFS_SIZE = 80;
  public static final int INIT_OUT_SIZE = 64;
  public static final int GETXATTR_OUT_SIZE = 8;
  public static final int DIRENT_NAME_OFFSET = 24;
  public static final int DIRENTPLUS_NAME_OFFSET = ENTRY_OUT_SIZE + DIRENT_NAME_OFFSET;
  public static final int NOTIFY_STORE_OUT_SIZE = 24;
  public static final int NOTIFY_INVAL_INODE_OUT_SIZE = 24;
  public static final int NOTIFY_INVAL_ENTRY_OUT_SIZE = 16;

  /** fuse_open_out.open_flags */
  public static final int FOPEN_DIRECT_IO = 1;
  public static final int FOPEN_KEEP_CACHE = 1 << 1;
  public static final int FOPEN_CACHE_DIR = 1 << 3;
  public static final int FOPEN_PASSTHROUGH = 1 << 7;

  private Structs() {
  }

  public static void putOutHeader(ByteBuffer b, int len, int error, long unique) {
    b.putInt(len).putInt(error).putLong(unique);
  }

  /** struct fuse_attr */
  public static void putAttr(ByteBuffer b, Attr a) {
    b.putLong(a.ino()).putLong(a.size()).putLong(a.blocks())
        .putLong(a.atimeSeconds()).putLong(a.mtimeSeconds()).putLong(a.ctimeSeconds())
        .putInt(a.atimeNanos()).putInt(a.mtimeNanos()).putInt(a.ctimeNanos())
        .putInt(a.mode()).putInt(a.nlink()).putInt(a.uid()).putInt(a.gid()).putInt(a.rdev())
        .putInt(a.blksize()).putInt(0);
  }

  /** struct fuse_entry_out; a null entry is a negative entry (nodeid 0) cached for {@code entryValid}. */
  public static void putEntryOut(ByteBuffer b, Entry e, Duration entryValid, Duration attrValid) {
    if (e == null) {
      b.putLong(0).putLong(0).putLong(entryValid.getSeconds()).putLong(0).putInt(entryValid.getNano()).putInt(0);
      b.put(new byte[ATTR_SIZE]);
      return;
    }
    b.putLong(e.ino()).putLong(e.generation()).putLong(entryValid.getSeconds()).putLong(attrValid.getSeconds())
        .putInt(entryValid.getNano()).putInt(attrValid.getNano());
    putAttr(b, e.attr());
  }

  /** struct fuse_attr_out */
  public static void putAttrOut(ByteBuffer b, Attr a, Duration attrValid) {
    b.putLong(attrValid.getSeconds()).putInt(attrValid.getNano()).putInt(0);
    putAttr(b, a);
  }

  /** struct fuse_open_out */
  public static void putOpenOut(ByteBuffer b, long fh, int openFlags, int backingId) {
    b.putLong(fh).putInt(openFlags).putInt(backingId);
  }

  /** struct fuse_statfs_out (struct fuse_kstatfs) */
  public static void putStatfs(ByteBuffer b, StatFs s) {
    b.putLong(s.blocks()).putLong(s.blocksFree()).putLong(s.blocksAvailable()).putLong(s.files())
        .putLong(s.filesFree()).putInt(s.blockSize()).putInt(s.maxNameLength()).putInt(s.fragmentSize())
        .putInt(0);
    b.put(new byte[24]);
  }

  /** struct fuse_init_out */
  public static void putInitOut(ByteBuffer b, InitOut o) {
    b.putInt(o.major()).putInt(o.minor()).putInt(o.maxReadahead()).putInt((int) o.flags())
        .putShort((short) o.maxBackground()).putShort((short) o.congestionThreshold())
        .putInt(o.maxWrite()).putInt(o.timeGran()).putShort((short) o.maxPages()).putShort((short) 0)
        .putInt((int) (o.flags() >>> 32)).putInt(o.maxStackDepth());
    b.put(new byte[24]);
  }

  /** struct fuse_getxattr_out */
  public static void putGetxattrOut(ByteBuffer b, int size) {
    b.putInt(size).putInt(0);
  }

  /** The 8-byte aligned size of a struct fuse_dirent with a name of {@code nameLength} bytes. */
  public static int direntSize(int nameLength) {
    return align8(DIRENT_NAME_OFFSET + nameLength);
  }

  /** The 8-byte aligned size of a struct fuse_direntplus with a name of {@code nameLength} bytes. */
  public static int direntplusSize(int nameLength) {
    return align8(DIRENTPLUS_NAME_OFFSET + nameLength);
  }

  /** struct fuse_dirent with its name, zero padded to 8 bytes. */
  public static void putDirent(ByteBuffer b, long ino, long nextOffset, int direntType, byte[] name) {
    int start = b.position();
    b.putLong(ino).putLong(nextOffset).putInt(name.length).putInt(direntType).put(name);
    pad(b, start + direntSize(name.length));
  }

  /** struct fuse_direntplus: entry_out (null: no entry, as for "." and "..") then the dirent. */
  public static void putDirentplus(ByteBuffer b, Entry e, Duration entryValid, Duration attrValid, long ino,
                   long nextOffset, int direntType, byte[] name) {
    int start = b.position();
    if (e == null) {
      b.put(new byte[ENTRY_OUT_SIZE]);
    } else {
      putEntryOut(b, e, entryValid, attrValid);
    }
    b.putLong(ino).putLong(nextOffset).putInt(name.length).putInt(direntType).put(name);
    pad(b, start + direntplusSize(name.length));
  }

  /** struct fuse_notify_store_out, the data follows it. */
  public static void putNotifyStoreOut(ByteBuffer b, long nodeid, long offset, int size) {
    b.putLong(nodeid).putLong(offset).putInt(size).putInt(0);
  }

  /** struct fuse_notify_inval_inode_out: offset 0 and length -1 mean the whole page cache. */
  public static void putNotifyInvalInodeOut(ByteBuffer b, long nodeid, long offset, long length) {
    b.putLong(nodeid).putLong(offset).putLong(length);
  }

  /** struct fuse_notify_inval_entry_out, then the name and its terminating NUL. */
  public static void putNotifyInvalEntryOut(ByteBuffer b, long parent, byte[] name) {
    b.putLong(parent).putInt(name.length).putInt(0).put(name).put((byte) 0);
  }

  private static void pad(ByteBuffer b, int end) {
    while (b.position() < end) {
      b.put((byte) 0);
    }
  }

  private static int align8(int n) {
    return (n + 7) & ~7;
  }
}
