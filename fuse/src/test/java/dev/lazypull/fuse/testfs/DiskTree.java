package dev.lazypull.fuse.testfs;

import dev.lazypull.fuse.Attr;
import dev.lazypull.fuse.FileType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Lays a tree out on a real file system (a tmpfs), with the standard tools where Java has no call. */
public final class DiskTree implements TreeBuilder<Path> {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private record Times(Path path, long seconds, int nanos) {
  }

  private final Path root;
  private final List<Times> dirTimes = new ArrayList<>();

  public DiskTree(Path root) {
    this.root = root;
  }

  @Override
  public Path root() {
    return root;
  }

  @Override
  public Path dir(Path parent, String name, int perm, int uid, int gid, long mtimeSeconds, int mtimeNanos) {
    Path p = parent.resolve(name);
    io(() -> Files.createDirectory(p));
    owner(p, uid, gid);
    mode(p, FileType.DIRECTORY, perm);
    dirTimes.add(new Times(p, mtimeSeconds, mtimeNanos));
    return p;
  }

  @Override
  public Path file(Path parent, String name, int perm, int uid, int gid, long mtimeSeconds, int mtimeNanos,
           Content content) {
    Path p = parent.resolve(name);
    io(() -> {
      switch (content) {
        case Content.Bytes b -> Files.write(p, b.bytes());
        case Content.Sparse s -> {
          try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(s.size());
            for (Map.Entry<Long, byte[]> r : s.regions().entrySet()) {
              f.getChannel().write(ByteBuffer.wrap(r.getValue()), r.getKey());
            }
          }
        }
      }
      return null;
    });
    owner(p, uid, gid);
    mode(p, FileType.REGULAR, perm);
    times(p, mtimeSeconds, mtimeNanos);
    return p;
  }

  @Override
  public void hardlink(Path parent, String name, Path target) {
    io(() -> Files.createLink(parent.resolve(name), target));
  }

  @Override
  public Path symlink(Path parent, String name, String target, int uid, int gid, long mtimeSeconds, int mtimeNanos) {
    Path p = parent.resolve(name);
    io(() -> Files.createSymbolicLink(p, Path.of(target)));
    owner(p, uid, gid);
    times(p, mtimeSeconds, mtimeNanos);
    return p;
  }

  @Override
  public Path special(Path parent, String name, FileType type, int perm, int rdev, long mtimeSeconds, int mtimeNanos) {
    Path p = parent.resolve(name);
    switch (type) {
      case FIFO -> run("mknod", p.toString(), "p");
      case CHARACTER_DEVICE, BLOCK_DEVICE -> run("mknod", p.toString(), type == FileType.BLOCK_DEVICE ? "b" : "c",
          Integer.toString(Attr.major(rdev)), Integer.toString(Attr.minor(rdev)));
      default -> throw new IllegalArgumentException("not a special file type: " + type);
    }
    mode(p, type, perm);
    // Java sets times through an open descriptor, and opening a fifo blocks: touch does not open.
    run("touch", "-h", "-d", String.format("@%d.%09d", mtimeSeconds, mtimeNanos), p.toString());
    return p;
  }

  @Override
  public void xattr(Path node, String name, byte[] value) {
    io(() -> Files.getFileAttributeView(node, UserDefinedFileAttributeView.class).write(name, ByteBuffer.wrap(value)));
  }

  @Override
  public void finish() {
    for (Times t : dirTimes.reversed()) {
      times(t.path(), t.seconds(), t.nanos());
    }
  }

  private static void owner(Path p, int uid, int gid) {
    io(() -> {
      Files.setAttribute(p, "unix:uid", uid, NOFOLLOW);
      Files.setAttribute(p, "unix:gid", gid, NOFOLLOW);
      return null;
    });
  }

  private static void mode(Path p, FileType type, int perm) {
    io(() -> Files.setAttribute(p, "unix:mode", type.mode(perm)));
  }

  private static void times(Path p, long seconds, int nanos) {
    FileTime t = FileTime.from(Instant.ofEpochSecond(seconds, nanos));
    io(() -> {
      Files.getFileAttributeView(p, BasicFileAttributeView.class, NOFOLLOW).setTimes(t, t, null);
      return null;
    });
  }

  private static void run(String... command) {
    io(() -> {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + out);
      }
      return null;
    });
  }

  private interface IoAction {
    Object run() throws Exception;
  }

  private static void io(IoAction action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
