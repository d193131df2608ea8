package dev.lazypull.fuse;

import dev.lazypull.fuse.keep.DescriptorStore;
import dev.lazypull.fuse.server.FuseServer;
import dev.lazypull.fuse.server.RequestHandler;
import dev.lazypull.fuse.sys.DeviceChannel;
import dev.lazypull.fuse.sys.KernelMount;
import dev.lazypull.fuse.sys.LibC;
import dev.lazypull.fuse.sys.MountTable;
import dev.lazypull.fuse.wire.Opcode;
import dev.lazypull.fuse.wire.Structs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link FileSystem} mounted at a directory. {@link #close()} unmounts it (lazily if it is busy)
 * and stops the reader threads; a JVM shutdown hook does the same if the process exits first, so
 * a normal stop never leaves a dead mount behind. After a SIGKILL, {@link #unmountStale} cleans up.
 *
 * <p>A mount {@linkplain #keepIn kept} in a {@link DescriptorStore} outlives its process instead:
 * the store holds the connection's descriptor, the process's exit (SIGTERM, SIGKILL, a crash)
 * leaves it mounted with requests queueing in the kernel, and the next server {@linkplain #resume
 * resumes} it and answers them.
 */
public final class FuseMount implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(FuseMount.class.getName());
  private static final long INIT_TIMEOUT_SECONDS = 10;
  private static final long STOP_TIMEOUT_SECONDS = 5;

  private final Path mountPoint;
  private final DeviceChannel device;
  private final FuseServer server;
  private final RequestHandler handler;
  private final Negotiated negotiated;
  private final MountTable.Mount mount;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final boolean viaFusermount;
  private final Thread shutdownHook;
  private volatile Kept kept;

  private record Kept(DescriptorStore store, FuseSession session) {
  }

  private FuseMount(Path mountPoint, DeviceChannel device, FuseServer server, RequestHandler handler,
           Negotiated negotiated, MountTable.Mount mount, boolean viaFusermount) {
    this.viaFusermount = viaFusermount;
    this.mountPoint = mountPoint;
    this.device = device;
    this.server = server;
    this.handler = handler;
    this.negotiated = negotiated;
    this.mount = mount;
    this.shutdownHook = Thread.ofPlatform().name("fuse-unmount-" + mountPoint).unstarted(this::close);
  }

  /**
   * Mounts {@code fs} at directory {@code dir} and returns once the kernel has completed INIT. As
   * root this is mount(2) on /dev/fuse; otherwise the setuid helper fusermount3 mounts (it allows
   * {@code allow_other} only if /etc/fuse.conf has {@code user_allow_other}).
   *
   * @throws IOException if the directory is not one, /dev/fuse cannot be opened, or mounting fails
   */
  public static FuseMount mount(Path dir, FileSystem fs, MountOptions opts) throws IOException {
    return mount(dir, fs, opts, LibC.geteuid() != 0);
  }

  static FuseMount mount(Path dir, FileSystem fs, MountOptions opts, boolean viaFusermount) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("mount point is not a directory: " + dir);
    }
    Path target = dir.toRealPath();
    DeviceChannel device = KernelMount.mount(target, opts, viaFusermount);
    RequestHandler handler = new RequestHandler(device, fs, opts);
    FuseServer server = new FuseServer(device, handler, opts);
    server.start();
    Negotiated negotiated;
    MountTable.Mount mount;
    try {
      negotiated = handler.initialized().get(INIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      mount = MountTable.at(target).orElseThrow(() -> new IOException("mount vanished: " + target));
    } catch (InterruptedException | ExecutionException | TimeoutException | IOException e) {
      KernelMount.unmount(target, null, viaFusermount);
      device.close();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IOException("FUSE INIT with the kernel failed at " + target + ": " + e.getMessage(), e);
    }
    KernelMount.setReadahead(mount, opts.maxReadahead());
    FuseMount m = new FuseMount(target, device, server, handler, negotiated, mount, viaFusermount);
    Runtime.getRuntime().addShutdownHook(m.shutdownHook);
    return m;
  }

  /**
   * Takes over the live connection mounted at {@code dir} from a server that has gone: {@code fd}
   * is its /dev/fuse descriptor (from {@code store}, under {@code session}'s name), which this mount
   * owns from now on. INIT is not repeated; the requests the kernel queued meanwhile are answered,
   * and those the old server had read but not answered are sent again (NOTIFY_RESEND). The mount
   * stays kept in {@code store}.
   *
   * @throws StaleSessionException if the connection has ended or another mount is at {@code dir}
   *         (the descriptor is then closed and dropped from the store)
   */
  public static FuseMount resume(Path dir, FileSystem fs, MountOptions opts, FuseSession session, int fd,
                  DescriptorStore store) throws IOException {
    Path target;
    MountTable.Mount mount;
    try {
      // Not toRealPath(): a stat of the mount root would wait for the server this call is to start.
      target = dir.toAbsolutePath().normalize();
      mount = MountTable.at(target).orElseThrow(() -> new StaleSessionException(
          "nothing is mounted at " + dir + " any more"));
      if (!mount.device().equals(session.device())) {
        throw new StaleSessionException("the mount at " + target + " is connection " + mount.device()
            + ", not the kept " + session.device());
      }
      if (LibC.fuseConnectionEnded(fd)) {
        throw new StaleSessionException("the FUSE connection of " + target + " has ended");
      }
    } catch (IOException e) {
      LibC.close(fd);
      store.drop(session.name());
      throw e instanceof StaleSessionException s ? s : new StaleSessionException(e.getMessage());
    }
    Negotiated negotiated = session.negotiated();
    MountOptions served = opts.withMaxWrite(negotiated.maxWrite()); // the kernel's requests are sized by the old INIT
    DeviceChannel device = DeviceChannel.of(fd);
    RequestHandler handler = new RequestHandler(device, fs, served, negotiated);
    FuseServer server = new FuseServer(device, handler, served);
    int resent = device.reply(0, Opcode.NOTIFY_RESEND);
    if (resent < 0) {
      LOG.log(System.Logger.Level.WARNING, "kernel refused NOTIFY_RESEND ({0}, Linux < 6.9?): requests the old "
          + "server of {1} had read but not answered stay unanswered", LibC.strerror(-resent), target);
    }
    server.start();
    FuseMount m = new FuseMount(target, device, server, handler, negotiated, mount, false);
    m.kept = new Kept(store, session);
    return m;
  }

  /**
   * Keeps this mount's connection in {@code store} under {@code key}, so that it outlives this
   * process: from now on the process's exit (even a normal one) leaves the mount in place for a
   * successor to {@link #resume}; {@link #close()} still unmounts it and drops it from the store.
   *
   * @return the session, whose {@link FuseSession#name()} the store keeps the descriptor under
   */
  public FuseSession keepIn(DescriptorStore store, String key) throws IOException {
    FuseSession session = new FuseSession(key, mount.device(), negotiated);
    synchronized (device) { // not while close() closes it: its number could be another file's by then
      if (!device.isOpen()) {
        throw new IOException(mountPoint + " is unmounted: nothing to keep");
      }
      store.keep(session.name(), device.fd());
      kept = new Kept(store, session);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | SecurityException e) {
      // already shutting down
    }
    return session;
  }

  /**
   * Leaves this kept mount to a successor process: it stays mounted and kept, and this process
   * answers nothing more (requests it reads from now on are sent again to the successor by its
   * NOTIFY_RESEND, so none is lost or answered twice). For a process about to exit: its reader
   * threads stop with it. {@link #close} does nothing afterwards.
   *
   * @throws IllegalStateException if the mount is not kept (leaving it would strand its readers)
   */
  public void leaveToSuccessor() {
    if (kept == null) {
      throw new IllegalStateException(mountPoint + " is not kept in a descriptor store: it cannot outlive this process");
    }
    if (closed.compareAndSet(false, true)) {
      device.mute();
    }
  }

  /** The session this mount is kept under, if it is kept. */
  public java.util.Optional<FuseSession> session() {
    Kept k = kept;
    return k == null ? java.util.Optional.empty() : java.util.Optional.of(k.session());
  }

  public Path mountPoint() {
    return mountPoint;
  }

  /** What INIT settled with the kernel. */
  public Negotiated negotiated() {
    return negotiated;
  }

  /**
   * Completes when the kernel has ended this mount's connection, however it was unmounted:
   * by {@link #close}, by umount(8) or fusermount3 -u from outside (the kernel then sends no
   * DESTROY; the server sees its reads of /dev/fuse fail with ENODEV), or by an abort.
   */
  public CompletableFuture<Void> ended() {
    return server.ended();
  }

  /** READs handed to the file system and not answered yet. */
  public int pendingReads() {
    return handler.pendingReads();
  }

  /**
   * Pushes {@code data} into the kernel's page cache of {@code ino} at {@code offset}
   * (NOTIFY_STORE), for example prefetched bytes; the file grows if the data ends past its size.
   * Only useful for files opened with keep_cache.
   *
   * @throws FuseException ENOENT if the kernel does not know the inode
   */
  public void notifyStore(long ino, long offset, ByteBuffer data) {
    ByteBuffer header = ByteBuffer.allocate(Structs.NOTIFY_STORE_OUT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    Structs.putNotifyStoreOut(header, ino, offset, data.remaining());
    notify(Opcode.NOTIFY_STORE, header.flip(), data);
  }

  /** Drops the kernel's cached attributes and the page cache range of {@code ino} (length -1: to the end). */
  public void invalidateInode(long ino, long offset, long length) {
    ByteBuffer body = ByteBuffer.allocate(Structs.NOTIFY_INVAL_INODE_OUT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    Structs.putNotifyInvalInodeOut(body, ino, offset, length);
    notify(Opcode.NOTIFY_INVAL_INODE, body.flip());
  }

  /**
   * Drops the kernel's cached lookup of {@code name} in {@code parent}. Must not be called from
   * inside a lookup of that directory (the kernel holds its lock: deadlock).
   */
  public void invalidateEntry(long parent, String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(Structs.NOTIFY_INVAL_ENTRY_OUT_SIZE + bytes.length + 1)
        .order(ByteOrder.LITTLE_ENDIAN);
    Structs.putNotifyInvalEntryOut(body, parent, bytes);
    notify(Opcode.NOTIFY_INVAL_ENTRY, body.flip());
  }

  private void notify(int code, ByteBuffer... body) {
    int r = device.reply(0, code, body);
    if (r < 0) {
      throw new FuseException(Errno.of(-r), "notification " + code + " refused: " + Errno.of(-r));
    }
  }

  /**
   * Unmounts and stops the reader threads. If the mount is busy it is detached and its connection
   * aborted: processes still holding files there get ENOTCONN, and no thread is left behind.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | SecurityException e) {
      // already shutting down: this is the hook
    }
    try {
      KernelMount.unmount(mountPoint, mount, viaFusermount);
      if (!server.awaitStop(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        LOG.log(System.Logger.Level.WARNING, "FUSE readers of {0} still running; aborting the connection",
            mountPoint);
        KernelMount.abort(mount);
        server.awaitStop(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      synchronized (device) {
        device.close();
      }
      handler.destroy();
      Kept k = kept;
      if (k != null) {
        try {
          k.store().drop(k.session().name());
        } catch (IOException e) {
          LOG.log(System.Logger.Level.WARNING, "cannot drop " + k.session().name() + " from "
              + k.store().describe() + ": " + e.getMessage());
        }
      }
    }
  }

  /**
   * True while something (of any file system type) is mounted exactly at {@code dir}, by this
   * process's mount table (the project's one reader of /proc/self/mountinfo).
   */
  public static boolean isMountPoint(Path dir) throws IOException {
    return MountTable.at(dir.toRealPath()).isPresent();
  }

  /**
   * Removes a lazypull mount at {@code dir} whose server has died (the directory answers
   * "Transport endpoint is not connected"), as after a SIGKILL.
   *
   * @return true if a dead mount was removed
   */
  public static boolean unmountStale(Path dir) throws IOException {
    return KernelMount.unmountStale(dir.toAbsolutePath().normalize());
  }

  /**
   * As {@link #unmountStale(Path)}, also removing a mount that does not answer within {@code
   * answerWithin}: one kept for an agent that is not running (for a caller that knows none runs).
   */
  public static boolean unmountStale(Path dir, java.time.Duration answerWithin) throws IOException {
    return KernelMount.unmountStale(dir.toAbsolutePath().normalize(), answerWithin);
  }

  @Override
  public String toString() {
    return "FuseMount[" + mountPoint + ", " + mount.device() + "]";
  }
}
