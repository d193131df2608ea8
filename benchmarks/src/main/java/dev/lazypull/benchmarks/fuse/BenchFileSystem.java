package dev.lazypull.benchmarks.fuse;

import dev.lazypull.fuse.Attr;
import dev.lazypull.fuse.DirSink;
import dev.lazypull.fuse.Entry;
import dev.lazypull.fuse.Errno;
import dev.lazypull.fuse.FileSystem;
import dev.lazypull.fuse.FileType;
import dev.lazypull.fuse.FuseException;
import dev.lazypull.fuse.OpenResult;
import dev.lazypull.fuse.ReadReply;
import dev.lazypull.fuse.StatFs;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The benchmark's read-only file system, all in memory: {@code /data} (one file whose bytes sit in
 * a direct buffer, answered as slices of it without a copy) and {@code /tree/d<i>/f<j>}, a tree of
 * small empty files for listing. With a backing file, opens of {@code /data} are passthrough.
 */
final class BenchFileSystem implements FileSystem {
  static final long DATA = 2;
  static final long TREE = 3;
  private static final long FIRST_DIR = 4;
  private static final long T = 1_700_000_000L;

  private final ByteBuffer data;
  private final int dirs;
  private final int filesPerDir;
  private final Path backingFile;

  BenchFileSystem(ByteBuffer data, int dirs, int filesPerDir, Path backingFile) {
    this.data = data;
    this.dirs = dirs;
    this.filesPerDir = filesPerDir;
    this.backingFile = backingFile;
  }

  private long firstFile() {
    return FIRST_DIR + dirs;
  }

  private Attr attr(long ino) {
    if (ino == ROOT || ino == TREE || (ino >= FIRST_DIR && ino < firstFile())) {
      int nlink = ino == ROOT ? 4 : ino == TREE ? 2 + dirs : 2;
      return new Attr(ino, 4096, 8, T, 0, T, 0, T, 0, FileType.DIRECTORY.mode(0755), nlink, 0, 0, 0, 4096);
    }
    if (ino == DATA) {
      return new Attr(ino, data.capacity(), (data.capacity() + 511L) / 512, T, 0, T, 0, T, 0,
          FileType.REGULAR.mode(0644), 1, 0, 0, 0, 4096);
    }
    if (ino >= firstFile() && ino < firstFile() + (long) dirs * filesPerDir) {
      return new Attr(ino, 0, 0, T, 0, T, 0, T, 0, FileType.REGULAR.mode(0644), 1, 0, 0, 0, 4096);
    }
    throw new FuseException(Errno.ESTALE);
  }

  @Override
  public Optional<Entry> lookup(long parent, String name) {
    long ino = child(parent, name);
    return ino == 0 ? Optional.empty() : Optional.of(new Entry(attr(ino)));
  }

  private long child(long parent, String name) {
    try {
      if (parent == ROOT) {
        return name.equals("data") ? DATA : name.equals("tree") ? TREE : 0;
      }
      if (parent == TREE && name.startsWith("d")) {
        int d = Integer.parseInt(name.substring(1));
        return d >= 0 && d < dirs ? FIRST_DIR + d : 0;
      }
      if (parent >= FIRST_DIR && parent < firstFile() && name.startsWith("f")) {
        int f = Integer.parseInt(name.substring(1));
        return f >= 0 && f < filesPerDir ? firstFile() + (parent - FIRST_DIR) * filesPerDir + f : 0;
      }
    } catch (NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  @Override
  public Attr getattr(long ino) {
    return attr(ino);
  }

  @Override
  public OpenResult open(long ino, int flags) {
    return ino == DATA && backingFile != null ? OpenResult.passthrough(ino, backingFile) : OpenResult.cached(ino);
  }

  @Override
  public void read(long ino, long fh, long offset, int size, ReadReply reply) {
    if (ino != DATA || offset >= data.capacity()) {
      reply.data();
      return;
    }
    int len = (int) Math.min(size, data.capacity() - offset);
    reply.data(data.slice((int) offset, len));
  }

  @Override
  public void readdir(long ino, long fh, long offset, DirSink sink) {
    if (ino == ROOT) {
      list(sink, offset, new String[] {"data", "tree"}, new long[] {DATA, TREE},
          new FileType[] {FileType.REGULAR, FileType.DIRECTORY});
    } else if (ino == TREE) {
      for (long i = offset; i < dirs; i++) {
        if (!sink.add("d" + i, FIRST_DIR + i, FileType.DIRECTORY, i + 1)) {
          return;
        }
      }
    } else if (ino >= FIRST_DIR && ino < firstFile()) {
      long base = firstFile() + (ino - FIRST_DIR) * filesPerDir;
      for (long i = offset; i < filesPerDir; i++) {
        if (!sink.add("f" + i, base + i, FileType.REGULAR, i + 1)) {
          return;
        }
      }
    } else {
      throw new FuseException(Errno.ENOTDIR);
    }
  }

  private static void list(DirSink sink, long offset, String[] names, long[] inos, FileType[] types) {
    for (int i = (int) offset; i < names.length; i++) {
      if (!sink.add(names[i], inos[i], types[i], i + 1)) {
        return;
      }
    }
  }

  @Override
  public StatFs statfs() {
    return StatFs.readOnly(data.capacity() / 4096, 4 + dirs + (long) dirs * filesPerDir);
  }
}
