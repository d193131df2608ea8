package dev.lazypull.fuse.testfs;

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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A read-only file system held in memory, built through {@link TreeBuilder}. It counts lookups
 * and forgets per inode (a count going negative is recorded as an error) and reads, so tests can
 * see what reached it.
 */
public class MemoryFileSystem implements FileSystem, TreeBuilder<MemoryFileSystem.Node> {

  /** One inode. Fields change only while the tree is built. */
  public static final class Node {
    final long ino;
    final FileType type;
    final int perm;
    final int uid;
    final int gid;
    final long mtimeSeconds;
    final int mtimeNanos;
    final int rdev;
    int nlink = 1;
    Content content;
    byte[] symlinkTarget;
    final List<String> names = new ArrayList<>();
    final Map<String, Node> children = new HashMap<>();
    final Map<String, byte[]> xattrs = new LinkedHashMap<>();
    final AtomicLong lookups = new AtomicLong();

    Node(long ino, FileType type, int perm, int uid, int gid, long mtimeSeconds, int mtimeNanos, int rdev) {
      this.ino = ino;
      this.type = type;
      this.perm = perm;
      this.uid = uid;
      this.gid = gid;
      this.mtimeSeconds = mtimeSeconds;
      this.mtimeNanos = mtimeNanos;
      this.rdev = rdev;
    }

    public long ino() {
      return ino;
    }

    long size() {
      return switch (type) {
        case REGULAR -> content.size();
        case SYMLINK -> symlinkTarget.length;
        case DIRECTORY -> 4096;
        default -> 0;
      };
    }

    Attr attr() {
      long size = size();
      return new Attr(ino, size, (size + 511) / 512, mtimeSeconds, mtimeNanos, mtimeSeconds, mtimeNanos,
          mtimeSeconds, mtimeNanos, type.mode(perm), nlink, uid, gid, rdev, 4096);
    }
  }

  private final Map<Long, Node> inodes = new ConcurrentHashMap<>();
  private final Map<Long, Node> parents = new HashMap<>();
  private final AtomicLong nextIno = new AtomicLong(FileSystem.ROOT);
  private final Node root;
  public final AtomicLong reads = new AtomicLong();
  public final AtomicLong lookupCalls = new AtomicLong();
  public final java.util.concurrent.atomic.AtomicBoolean destroyed = new java.util.concurrent.atomic.AtomicBoolean();
  public final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());

  public MemoryFileSystem(int rootPerm, long mtimeSeconds) {
    root = add(new Node(nextIno.getAndIncrement(), FileType.DIRECTORY, rootPerm, 0, 0, mtimeSeconds, 0, 0));
    root.nlink = 2;
    parents.put(root.ino, root);
  }

  private Node add(Node n) {
    inodes.put(n.ino, n);
    return n;
  }

  protected Node node(long ino) {
    Node n = inodes.get(ino);
    if (n == null) {
      throw new FuseException(Errno.ESTALE, "unknown inode " + ino);
    }
    return n;
  }

  private Node link(Node parent, String name, Node child) {
    if (parent.children.putIfAbsent(name, child) != null) {
      throw new IllegalArgumentException("duplicate name " + name);
    }
    parent.names.add(name);
    return child;
  }

  // ---- TreeBuilder ----

  @Override
  public Node root() {
    return root;
  }

  @Override
  public Node dir(Node parent, String name, int perm, int uid, int gid, long mtimeSeconds, int mtimeNanos) {
    Node d = add(new Node(nextIno.getAndIncrement(), FileType.DIRECTORY, perm, uid, gid, mtimeSeconds, mtimeNanos, 0));
    d.nlink = 2;
    parent.nlink++;
    parents.put(d.ino, parent);
    return link(parent, name, d);
  }

  @Override
  public Node file(Node parent, String name, int perm, int uid, int gid, long mtimeSeconds, int mtimeNanos,
           Content content) {
    Node f = add(new Node(nextIno.getAndIncrement(), FileType.REGULAR, perm, uid, gid, mtimeSeconds, mtimeNanos, 0));
    f.content = content;
    return link(parent, name, f);
  }

  @Override
  public void hardlink(Node parent, String name, Node target) {
    target.nlink++;
    link(parent, name, target);
  }

  @Override
  public Node symlink(Node parent, String name, String target, int uid, int gid, long mtimeSeconds, int mtimeNanos) {
    Node s = add(new Node(nextIno.getAndIncrement(), FileType.SYMLINK, 0777, uid, gid, mtimeSeconds, mtimeNanos, 0));
    s.symlinkTarget = target.getBytes(StandardCharsets.UTF_8);
    return link(parent, name, s);
  }

  @Override
  public Node special(Node parent, String name, FileType type, int perm, int rdev, long mtimeSeconds, int mtimeNanos) {
    return link(parent, name, add(new Node(nextIno.getAndIncrement(), type, perm, 0, 0, mtimeSeconds, mtimeNanos, rdev)));
  }

  @Override
  public void xattr(Node node, String name, byte[] value) {
    node.xattrs.put("user." + name, value);
  }

  @Override
  public void finish() {
  }

  /** Lookups the kernel still holds on {@code ino}. */
  public long lookupCount(long ino) {
    return node(ino).lookups.get();
  }

  // ---- FileSystem ----

  @Override
  public Optional<Entry> lookup(long parent, String name) {
    lookupCalls.incrementAndGet();
    Node dir = node(parent);
    if (dir.type != FileType.DIRECTORY) {
      throw new FuseException(Errno.ENOTDIR);
    }
    Node child = dir.children.get(name);
    if (child == null) {
      return Optional.empty();
    }
    child.lookups.incrementAndGet();
    return Optional.of(new Entry(child.attr()));
  }

  @Override
  public void forget(long ino, long nlookup) {
    Node n = inodes.get(ino);
    if (n == null) {
      errors.add("forget of unknown inode " + ino);
    } else if (n.lookups.addAndGet(-nlookup) < 0 && ino != ROOT) {
      errors.add("lookup count of " + ino + " below zero");
    }
  }

  @Override
  public Attr getattr(long ino) {
    return node(ino).attr();
  }

  @Override
  public byte[] readlink(long ino) {
    Node n = node(ino);
    if (n.type != FileType.SYMLINK) {
      throw new FuseException(Errno.EINVAL);
    }
    return n.symlinkTarget;
  }

  @Override
  public OpenResult open(long ino, int flags) {
    return OpenResult.cached(ino);
  }

  @Override
  public void read(long ino, long fh, long offset, int size, ReadReply reply) {
    reads.incrementAndGet();
    Node n = node(ino);
    long fileSize = n.content.size();
    int len = (int) Math.max(0, Math.min(size, fileSize - offset));
    ByteBuffer buf = ByteBuffer.allocateDirect(len);
    n.content.read(offset, buf);
    reply.data(buf.flip());
  }

  @Override
  public void readdir(long ino, long fh, long offset, DirSink sink) {
    Node dir = node(ino);
    // offsets: 1 after ".", 2 after "..", 3 + i after names[i]
    if (offset < 1 && !sink.add(".", dir.ino, FileType.DIRECTORY, 1)) {
      return;
    }
    if (offset < 2 && !sink.add("..", parents.get(dir.ino).ino, FileType.DIRECTORY, 2)) {
      return;
    }
    for (int i = (int) Math.max(0, offset - 2); i < dir.names.size(); i++) {
      Node c = dir.children.get(dir.names.get(i));
      if (!sink.add(dir.names.get(i), c.ino, c.type, 3 + i)) {
        return;
      }
    }
  }

  @Override
  public void destroy() {
    destroyed.set(true);
  }

  @Override
  public StatFs statfs() {
    return StatFs.readOnly(1000, inodes.size());
  }

  @Override
  public Optional<byte[]> getxattr(long ino, String name) {
    return Optional.ofNullable(node(ino).xattrs.get(name));
  }

  @Override
  public List<String> listxattr(long ino) {
    return List.copyOf(node(ino).xattrs.keySet());
  }
}
