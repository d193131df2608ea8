package dev.lazypull.fuse.sys;

import dev.lazypull.fuse.MountOptions;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** mount(2) and umount2(2) of a FUSE file system, and the sysfs knobs of its connection. */
public final class KernelMount {
  private static final System.Logger LOG = System.getLogger(KernelMount.class.getName());
  /** The file system type: mount(8) shows it as fuse.lazypull. */
  public static final String TYPE = "fuse.lazypull";
  private static final Path FUSECTL = Path.of("/sys/fs/fuse/connections");

  private KernelMount() {
  }

  /**
   * Opens /dev/fuse and mounts it at {@code target}, with mount(2) or through fusermount3; the
   * kernel then queues INIT on the device.
   */
  public static DeviceChannel mount(Path target, MountOptions opts, boolean viaFusermount) throws IOException {
    if (viaFusermount) {
      return Fusermount.mount(target, opts);
    }
    DeviceChannel device = DeviceChannel.open();
    int uid = LibC.geteuid();
    String data = mountData(device.fd(), uid, LibC.getegid(), opts);
    long flags = LibC.MS_RDONLY | (opts.suid() ? 0 : LibC.MS_NOSUID) | (opts.dev() ? 0 : LibC.MS_NODEV);
    int r = LibC.mount(opts.fsName(), target.toString(), TYPE, flags, data);
    if (r < 0) {
      device.close();
      throw new IOException("mount of " + TYPE + " at " + target + " failed: " + LibC.strerror(-r));
    }
    return device;
  }

  /** The option string the fuse file system type parses (fs/fuse/inode.c). */
  static String mountData(int fd, int uid, int gid, MountOptions opts) {
    StringBuilder b = new StringBuilder()
        .append("fd=").append(fd)
        .append(",rootmode=40000")
        .append(",user_id=").append(uid)
        .append(",group_id=").append(gid);
    if (opts.allowOther()) {
      b.append(",allow_other");
    }
    if (opts.defaultPermissions()) {
      b.append(",default_permissions");
    }
    return b.toString();
  }

  /**
   * Unmounts {@code target}; if it is busy, detaches it instead and aborts the connection so that
   * the server's threads end now rather than when the last user lets go.
   *
   * @param mount the mount's table entry when known, to find its connection for the abort
   * @param viaFusermount unmount through fusermount3 (mounted by it, maybe without root)
   */
  public static void unmount(Path target, MountTable.Mount mount, boolean viaFusermount) {
    if (viaFusermount) {
      try {
        Fusermount.unmount(target, false);
      } catch (IOException busy) {
        try {
          Fusermount.unmount(target, true);
        } catch (IOException e) {
          LOG.log(System.Logger.Level.WARNING, "unmount of " + target + " failed", e);
        }
        if (mount != null && LibC.geteuid() == 0) {
          abort(mount);
        }
      }
      return;
    }
    int r = LibC.umount2(target.toString(), 0);
    if (r == -LibC.EBUSY) {
      r = LibC.umount2(target.toString(), LibC.MNT_DETACH);
      if (mount != null) {
        abort(mount);
      }
    }
    if (r < 0 && r != -LibC.EINVAL) { // EINVAL: not mounted (any more)
      LOG.log(System.Logger.Level.WARNING, "unmount of {0} failed: {1}", target, LibC.strerror(-r));
    }
  }

  /** Aborts the mount's connection through fusectl: pending and future requests fail, readers see ENODEV. */
  public static void abort(MountTable.Mount mount) {
    try {
      ensureFusectl();
      long id = ((long) mount.major() << 20) | mount.minor();
      Path abort = FUSECTL.resolve(Long.toString(id)).resolve("abort");
      if (Files.exists(abort)) {
        Files.writeString(abort, "1");
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot abort FUSE connection " + mount.device(), e);
    }
  }

  private static void ensureFusectl() throws IOException {
    if (Files.isDirectory(FUSECTL) && MountTable.at(FUSECTL).isEmpty()) {
      int r = LibC.mount("fusectl", FUSECTL.toString(), "fusectl", 0, "");
      if (r < 0 && r != -LibC.EBUSY) {
        throw new IOException("cannot mount fusectl: " + LibC.strerror(-r));
      }
    }
  }

  /**
   * The kernel starts a FUSE mount with 128 KiB readahead; a larger one makes cold sequential
   * reads arrive as 1 MiB requests. Best effort: sysfs may be read-only (containers).
   */
  public static void setReadahead(MountTable.Mount mount, int bytes) {
    Path knob = Path.of("/sys/class/bdi", mount.device(), "read_ahead_kb");
    try {
      Files.writeString(knob, Integer.toString(bytes / 1024));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot set " + knob, e);
    }
  }

  /** Detaches a FUSE mount at {@code dir} whose server is gone; true if there was one. */
  public static boolean unmountStale(Path dir) throws IOException {
    return unmountStale(dir, null);
  }

  /**
   * As {@link #unmountStale(Path)}; with {@code answerWithin} set, a mount that does not answer a
   * stat within it counts as stale too: a connection kept for a server that is not running (its
   * requests wait for one), which only a caller that knows no server will come may remove.
   */
  public static boolean unmountStale(Path dir, java.time.Duration answerWithin) throws IOException {
    Optional<MountTable.Mount> mount = MountTable.at(dir);
    if (mount.isEmpty() || !mount.get().type().startsWith("fuse")) {
      return false;
    }
    java.util.concurrent.CompletableFuture<Object> stat = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return Files.readAttributes(dir, "unix:ino");
      } catch (IOException e) {
        return e;
      }
    }, r -> Thread.ofVirtual().start(r));
    Object answer;
    try {
      answer = answerWithin == null ? stat.join() : stat.get(answerWithin.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException noServer) {
      answer = null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted checking " + dir, e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException(e.getCause());
    }
    if (answer instanceof FileSystemException e) {
      if (e.getReason() == null || !e.getReason().contains("not connected")) {
        throw e;
      }
    } else if (answer instanceof IOException e) {
      throw e;
    } else if (answer != null) {
      return false; // answered: a live server
    }
    int r = LibC.umount2(dir.toString(), LibC.MNT_DETACH);
    if (r < 0) {
      throw new IOException("cannot unmount stale " + dir + ": " + LibC.strerror(-r));
    }
    return true;
  }
}
