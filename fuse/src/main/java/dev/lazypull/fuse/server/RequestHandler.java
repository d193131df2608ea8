package dev.lazypull.fuse.server;

import dev.lazypull.fuse.Entry;
import dev.lazypull.fuse.Errno;
import dev.lazypull.fuse.FileSystem;
import dev.lazypull.fuse.FuseException;
import dev.lazypull.fuse.MountOptions;
import dev.lazypull.fuse.Negotiated;
import dev.lazypull.fuse.OpenResult;
import dev.lazypull.fuse.wire.InHeader;
import dev.lazypull.fuse.wire.InitIn;
import dev.lazypull.fuse.wire.MalformedRequestException;
import dev.lazypull.fuse.wire.Opcode;
import dev.lazypull.fuse.wire.Requests;
import dev.lazypull.fuse.wire.Structs;
import dev.lazypull.fuse.sys.DeviceChannel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Decodes one request and calls the file system. Synchronous answers are encoded into the calling
 * reader thread's reply buffer; READ is handed on with an {@link AsyncReadReply}. Nothing a request
 * or a file system does ends the loop: failures become errno replies.
 */
public final class RequestHandler {
  private static final System.Logger LOG = System.getLogger(RequestHandler.class.getName());
  private static final int O_ACCMODE = 3;
  private static final int W_OK = 2;

  private final DeviceChannel device;
  private final FileSystem fs;
  private final MountOptions opts;
  private final PendingReads pendingReads = new PendingReads();
  private final Passthrough passthrough;
  private final CompletableFuture<Negotiated> initialized = new CompletableFuture<>();
  private volatile Negotiated negotiated;
  private final java.util.concurrent.atomic.AtomicBoolean destroyed = new java.util.concurrent.atomic.AtomicBoolean();

  public RequestHandler(DeviceChannel device, FileSystem fs, MountOptions opts) {
    this.device = device;
    this.fs = fs;
    this.opts = opts;
    this.passthrough = new Passthrough(device);
  }

  /**
   * A handler for a connection whose INIT an earlier server answered: the kernel sends INIT once,
   * so the new one starts from what was settled then.
   */
  public RequestHandler(DeviceChannel device, FileSystem fs, MountOptions opts, Negotiated resumed) {
    this(device, fs, opts);
    this.negotiated = resumed;
    initialized.complete(resumed);
  }

  /** Completes when INIT has been answered, exceptionally if it failed. */
  public CompletableFuture<Negotiated> initialized() {
    return initialized;
  }

  /** Reads handed to the file system and not answered yet. */
  public int pendingReads() {
    return pendingReads.size();
  }

  /**
   * Handles the request of {@code length} bytes at the start of {@code request}; {@code out} is
   * this thread's reply buffer, large enough for any synchronous reply.
   */
  public void handle(ByteBuffer request, int length, ByteBuffer out) {
    InHeader h;
    try {
      h = InHeader.decode(request, length);
    } catch (MalformedRequestException e) {
      LOG.log(System.Logger.Level.WARNING, "malformed request: {0}", e.getMessage());
      if (length >= 16) {
        device.reply(request.getLong(8), -Errno.EIO.number());
      }
      return;
    }
    ByteBuffer body = request.slice(InHeader.SIZE, length - InHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    try {
      dispatch(h, body, out);
    } catch (FuseException e) {
      replyError(h, e.errno());
    } catch (MalformedRequestException e) {
      LOG.log(System.Logger.Level.WARNING, "malformed request, opcode {0}: {1}", h.opcode(), e.getMessage());
      replyError(h, Errno.EIO);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "file system failed on opcode " + h.opcode(), e);
      replyError(h, Errno.EIO);
    }
  }

  private void dispatch(InHeader h, ByteBuffer body, ByteBuffer out) {
    long ino = h.nodeid();
    switch (h.opcode()) {
      case Opcode.INIT -> init(h, body, out);
      case Opcode.LOOKUP -> lookup(h, body, out);
      case Opcode.FORGET -> fs.forget(ino, Requests.firstLong(body, "fuse_forget_in"));
      case Opcode.BATCH_FORGET -> {
        for (Requests.Forget f : Requests.batchForget(body)) {
          fs.forget(f.nodeid(), f.nlookup());
        }
      }
      case Opcode.GETATTR -> {
        Structs.putAttrOut(begin(out), fs.getattr(ino), opts.attrTimeout());
        send(h, out);
      }
      case Opcode.READLINK -> {
        begin(out).put(fs.readlink(ino));
        send(h, out);
      }
      case Opcode.OPEN -> open(h, body, out);
      case Opcode.READ -> read(h, body);
      case Opcode.RELEASE -> {
        long fh = Requests.fh(body);
        fs.release(ino, Passthrough.isPassthroughHandle(fh) ? passthrough.release(fh) : fh);
        send(h, begin(out));
      }
      case Opcode.OPENDIR -> {
        int flags = (opts.cacheDirs() ? Structs.FOPEN_KEEP_CACHE | Structs.FOPEN_CACHE_DIR : 0);
        Structs.putOpenOut(begin(out), fs.opendir(ino), flags, 0);
        send(h, out);
      }
      case Opcode.READDIR, Opcode.READDIRPLUS -> readdir(h, body, out, h.opcode() == Opcode.READDIRPLUS);
      case Opcode.RELEASEDIR -> {
        fs.releasedir(ino, Requests.fh(body));
        send(h, begin(out));
      }
      case Opcode.STATFS -> {
        Structs.putStatfs(begin(out), fs.statfs());
        send(h, out);
      }
      case Opcode.GETXATTR -> {
        int size = Requests.firstInt(body, "fuse_getxattr_in");
        Optional<byte[]> value = fs.getxattr(ino, Requests.name(body, 8));
        sized(h, out, size, value.orElseThrow(() -> new FuseException(Errno.ENODATA)));
      }
      case Opcode.LISTXATTR -> sized(h, out, Requests.firstInt(body, "fuse_getxattr_in"), xattrNames(ino));
      case Opcode.ACCESS -> {
        if ((Requests.firstInt(body, "fuse_access_in") & W_OK) != 0) {
          throw new FuseException(Errno.EROFS);
        }
        fs.getattr(ino); // the inode must exist; permission bits are the kernel's (default_permissions)
        send(h, begin(out));
      }
      case Opcode.INTERRUPT -> pendingReads.interrupt(Requests.firstLong(body, "fuse_interrupt_in"));
      // Nothing to flush on a read-only file system, and ENOSYS makes the kernel stop sending
      // FLUSH: a close(2) then never waits for the server, not even while a restart has none.
      case Opcode.FLUSH -> replyError(h, Errno.ENOSYS);
      case Opcode.DESTROY -> {
        destroy();
        send(h, begin(out));
      }
      case Opcode.NOTIFY_REPLY -> {
        // answers a NOTIFY_RETRIEVE, which this binding never sends
      }
      default -> replyError(h, Opcode.writes(h.opcode()) ? Errno.EROFS : Errno.ENOSYS);
    }
  }

  /**
   * Tells the file system the connection has ended, once: on DESTROY (which the kernel sends only
   * to some mounts) or when the mount is closed.
   */
  public void destroy() {
    if (destroyed.compareAndSet(false, true)) {
      fs.destroy();
    }
  }

  private void init(InHeader h, ByteBuffer body, ByteBuffer out) {
    InitIn in = InitIn.decode(body);
    InitNegotiation.Result result;
    try {
      result = InitNegotiation.negotiate(in, opts);
    } catch (UnsupportedOperationException e) {
      initialized.completeExceptionally(e);
      throw new FuseException(Errno.EPROTO, e.getMessage());
    }
    Structs.putInitOut(begin(out), result.reply());
    negotiated = result.negotiated();
    send(h, out);
    initialized.complete(result.negotiated());
  }

  private void lookup(InHeader h, ByteBuffer body, ByteBuffer out) {
    Optional<Entry> entry = fs.lookup(h.nodeid(), Requests.name(body, 0));
    if (entry.isEmpty() && opts.negativeTimeout().isZero()) {
      throw new FuseException(Errno.ENOENT);
    }
    Duration entryTimeout = entry.isPresent() ? opts.entryTimeout() : opts.negativeTimeout();
    Structs.putEntryOut(begin(out), entry.orElse(null), entryTimeout, opts.attrTimeout());
    send(h, out);
  }

  private void open(InHeader h, ByteBuffer body, ByteBuffer out) {
    int flags = Requests.firstInt(body, "fuse_open_in");
    if ((flags & O_ACCMODE) != 0) {
      throw new FuseException(Errno.EROFS);
    }
    OpenResult r = fs.open(h.nodeid(), flags);
    if (r.backingFile() != null && negotiated != null && negotiated.passthrough()) {
      Passthrough.Registered reg = passthrough.open(h.nodeid(), r.fh(), r.backingFile());
      if (reg != null) {
        Structs.putOpenOut(begin(out), reg.handle(), Structs.FOPEN_PASSTHROUGH, reg.backingId());
        if (send(h, out) < 0) {
          passthrough.release(reg.handle()); // the open never completed: no RELEASE will come
        }
        return;
      }
    }
    int openFlags = (r.keepCache() ? Structs.FOPEN_KEEP_CACHE : 0) | (r.directIo() ? Structs.FOPEN_DIRECT_IO : 0);
    Structs.putOpenOut(begin(out), r.fh(), openFlags, 0);
    send(h, out);
  }

  private void read(InHeader h, ByteBuffer body) {
    Requests.ReadIn in = Requests.readIn(body);
    AsyncReadReply reply = new AsyncReadReply(device, pendingReads, h.unique(), in.size());
    pendingReads.add(reply);
    try {
      fs.read(h.nodeid(), in.fh(), in.offset(), in.size(), reply);
    } catch (FuseException e) {
      reply.error(e.errno());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "file system failed on READ", e);
      reply.error(Errno.EIO);
    }
  }

  private void readdir(InHeader h, ByteBuffer body, ByteBuffer out, boolean plus) {
    Requests.ReadIn in = Requests.readIn(body);
    begin(out);
    int size = Math.min(in.size(), out.capacity() - Structs.OUT_HEADER_SIZE);
    fs.readdir(h.nodeid(), in.fh(), in.offset(), new DirectoryListing(out, size, plus, fs, h.nodeid(), opts));
    send(h, out);
  }

  private byte[] xattrNames(long ino) {
    List<String> names = fs.listxattr(ino);
    ByteBuffer b = ByteBuffer.allocate(names.stream().mapToInt(n -> n.length() * 3 + 1).sum());
    for (String n : names) {
      b.put(n.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
    }
    byte[] bytes = new byte[b.position()];
    b.get(0, bytes);
    return bytes;
  }

  /** getxattr/listxattr size semantics: size 0 asks for the length; too small a size is ERANGE. */
  private void sized(InHeader h, ByteBuffer out, int size, byte[] value) {
    if (size == 0) {
      Structs.putGetxattrOut(begin(out), value.length);
    } else if (value.length > size) {
      throw new FuseException(Errno.ERANGE);
    } else {
      begin(out).put(value);
    }
    send(h, out);
  }

  private static ByteBuffer begin(ByteBuffer out) {
    return out.clear().position(Structs.OUT_HEADER_SIZE);
  }

  private int send(InHeader h, ByteBuffer out) {
    int len = out.position();
    out.flip();
    Structs.putOutHeader(out.duplicate().order(ByteOrder.LITTLE_ENDIAN), len, 0, h.unique());
    return check(h, device.write(out));
  }

  private void replyError(InHeader h, Errno errno) {
    switch (h.opcode()) {
      case Opcode.FORGET, Opcode.BATCH_FORGET, Opcode.INTERRUPT, Opcode.NOTIFY_REPLY -> {
        // the kernel expects no answer to these
      }
      default -> check(h, device.reply(h.unique(), -errno.number()));
    }
  }

  private static int check(InHeader h, int result) {
    if (result < 0 && result != -Errno.ENOENT.number() && result != -Errno.ENODEV.number()) {
      LOG.log(System.Logger.Level.WARNING, "reply to opcode {0} failed: errno {1}", h.opcode(), -result);
    }
    return result;
  }
}
