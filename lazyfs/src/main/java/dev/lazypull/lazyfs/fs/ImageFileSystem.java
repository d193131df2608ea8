package dev.lazypull.lazyfs.fs;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.merge.MergedIndex;
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
import dev.lazypull.lazyfs.fetch.ChunkFetcher;
import dev.lazypull.lazyfs.fetch.ChunkSlices;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lazy image as a read-only FUSE file system. Metadata (lookup, getattr, readdir, readlink,
 * xattrs, statfs) comes from the in-memory {@link MergedIndex} and never touches the network.
 * Reads map to the file's chunks, asked of the mount's {@link ChunkFetcher} (cache, then
 * registry) without waiting: when they are all in memory the read is answered on the kernel
 * reader thread at once, otherwise a virtual thread answers once they arrive, so no reader thread
 * ever waits for the disk or the registry.
 *
 * <p>Inode numbers are the index's: dense, stable for an image, one per hardlink group. The index
 * is immutable and holds every inode for the mount's lifetime, so the kernel's lookup counts are
 * only tracked (for diagnostics), never used to free anything.
 */
public final class ImageFileSystem implements FileSystem {
  private static final System.Logger LOG = System.getLogger(ImageFileSystem.class.getName());
  private static final int BLOCK_SIZE = 4096;

  private final MergedIndex index;
  private final ChunkFetcher fetcher;
  private final ReadStats stats;
  private final AtomicLongArray lookups;
  private final StatFs statFs;
  private final Executor replies;
  private final ReadObserver observer;

  public ImageFileSystem(MergedIndex index, ChunkFetcher fetcher, ReadStats stats) {
    this(index, fetcher, stats, null);
  }

  /** {@code observer} (null for none) hears of every read before it is served. */
  public ImageFileSystem(MergedIndex index, ChunkFetcher fetcher, ReadStats stats, ReadObserver observer) {
    this.observer = observer;
    this.index = index;
    this.fetcher = fetcher;
    this.replies = runnable -> Thread.ofVirtual().name("lazypull-read-reply").start(runnable);
    this.stats = stats;
    this.lookups = new AtomicLongArray(Math.toIntExact(index.maxInode() + 1));
    long bytes = 0;
    for (long ino = MergedIndex.ROOT; ino <= index.maxInode(); ino++) {
      if (index.type(ino) == EntryType.FILE) {
        bytes += index.size(ino);
      }
    }
    this.statFs = StatFs.readOnly((bytes + BLOCK_SIZE - 1) / BLOCK_SIZE, index.maxInode());
  }

  private void check(long ino) {
    if (ino < MergedIndex.ROOT || ino > index.maxInode()) {
      throw new FuseException(Errno.ENOENT);
    }
  }

  @Override
  public Optional<Entry> lookup(long parent, String name) {
    check(parent);
    if (index.type(parent) != EntryType.DIR) {
      throw new FuseException(Errno.ENOTDIR);
    }
    long ino = index.lookup(parent, name);
    if (ino < 0) {
      return Optional.empty();
    }
    lookups.incrementAndGet((int) ino);
    return Optional.of(new Entry(attr(ino)));
  }

  @Override
  public void forget(long ino, long nlookup) {
    if (ino >= MergedIndex.ROOT && ino <= index.maxInode()) {
      lookups.addAndGet((int) ino, -nlookup);
    }
  }

  /** Lookups of {@code ino} the kernel still holds. */
  public long lookupCount(long ino) {
    return lookups.get((int) ino);
  }

  @Override
  public Attr getattr(long ino) {
    check(ino);
    return attr(ino);
  }

  private Attr attr(long ino) {
    long size = index.size(ino);
    long mtime = index.mtimeSeconds(ino);
    int mtimeNanos = index.mtimeNanos(ino);
    EntryType type = index.type(ino);
    long blocks = type == EntryType.FILE ? (size + 511) / 512 : 0;
    int rdev = type == EntryType.CHAR_DEVICE || type == EntryType.BLOCK_DEVICE
        ? Attr.makedev(index.devMajor(ino), index.devMinor(ino)) : 0;
    return new Attr(ino, size, blocks, mtime, mtimeNanos, mtime, mtimeNanos, mtime, mtimeNanos,
        index.stMode(ino), index.nlink(ino), (int) index.uid(ino), (int) index.gid(ino), rdev, BLOCK_SIZE);
  }

  @Override
  public byte[] readlink(long ino) {
    check(ino);
    byte[] target = index.readlink(ino);
    if (target == null) {
      throw new FuseException(Errno.EINVAL);
    }
    return target;
  }

  @Override
  public OpenResult open(long ino, int flags) {
    check(ino);
    EntryType type = index.type(ino);
    if (type == EntryType.DIR) {
      throw new FuseException(Errno.EISDIR);
    }
    // Immutable content: the kernel keeps the pages across opens, warm reads never come here.
    return OpenResult.cached(0);
  }

  @Override
  public void read(long ino, long fh, long offset, int size, ReadReply reply) {
    long start = System.nanoTime();
    if (ino < MergedIndex.ROOT || ino > index.maxInode() || index.type(ino) != EntryType.FILE) {
      reply.error(Errno.EINVAL);
      return;
    }
    long fileSize = index.size(ino);
    if (offset >= fileSize || size <= 0) {
      reply.data();
      stats.readServed(0, System.nanoTime() - start);
      return;
    }
    int length = (int) Math.min(size, fileSize - offset);
    List<ChunkLocation> chunks = index.chunks(ino, offset, length);
    if (observer != null) {
      observer.read(ino, chunks);
    }
    long tarOffset = index.dataOffset(ino) + offset;
    CompletableFuture<List<byte[]>> data = fetcher.get(chunks);
    if (data.isDone() && !data.isCompletedExceptionally()) {
      answer(reply, chunks, data.join(), tarOffset, length, start);
      return;
    }
    // Answered on a virtual thread of its own, so a fetch thread that releases many readers
    // does not write all their replies before it decodes its next frame.
    data.whenCompleteAsync((chunkData, e) -> {
      if (e == null) {
        answer(reply, chunks, chunkData, tarOffset, length, start);
      } else {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        LOG.log(System.Logger.Level.WARNING, "read of inode " + ino + " at " + offset + "+" + length + " failed: " + cause.getMessage());
        stats.readFailed(System.nanoTime() - start);
        reply.error(Errno.EIO);
      }
    }, replies);
  }

  /** Answers with slices of the chunk arrays themselves: no copy on our side. */
  private void answer(ReadReply reply, List<ChunkLocation> chunks, List<byte[]> data, long tarOffset, int length, long start) {
    ByteBuffer[] slices = ChunkSlices.of(chunks, data, tarOffset, length);
    if (slices == null) {
      LOG.log(System.Logger.Level.ERROR, "index chunks do not cover " + length + " bytes at tar offset "
          + tarOffset + ": inconsistent index");
      stats.readFailed(System.nanoTime() - start);
      reply.error(Errno.EIO);
      return;
    }
    reply.data(slices);
    stats.readServed(length, System.nanoTime() - start);
  }

  @Override
  public void readdir(long ino, long fh, long offset, DirSink sink) {
    check(ino);
    if (index.type(ino) != EntryType.DIR) {
      throw new FuseException(Errno.ENOTDIR);
    }
    // Offsets: 1 after ".", 2 after "..", 3 + i after child i (children sorted by name: stable).
    long next = offset;
    if (next == 0) {
      if (!sink.add(".", ino, FileType.DIRECTORY, 1)) {
        return;
      }
      next = 1;
    }
    if (next == 1) {
      if (!sink.add("..", index.parent(ino), FileType.DIRECTORY, 2)) {
        return;
      }
      next = 2;
    }
    int count = index.childCount(ino);
    for (int i = (int) (next - 2); i < count; i++) {
      long child = index.childInode(ino, i);
      String name = new String(index.childName(ino, i), StandardCharsets.UTF_8);
      if (!sink.add(name, child, FileType.ofMode(index.stMode(child)), i + 3L)) {
        return;
      }
    }
  }

  @Override
  public StatFs statfs() {
    return statFs;
  }

  @Override
  public Optional<byte[]> getxattr(long ino, String name) {
    check(ino);
    byte[] v = index.xattrs(ino).get(name);
    return v == null ? Optional.empty() : Optional.of(v.clone());
  }

  @Override
  public List<String> listxattr(long ino) {
    check(ino);
    Map<String, byte[]> x = index.xattrs(ino);
    return List.copyOf(x.keySet());
  }
}
