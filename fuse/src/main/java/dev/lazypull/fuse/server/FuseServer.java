package dev.lazypull.fuse.server;

import dev.lazypull.fuse.MountOptions;
import dev.lazypull.fuse.sys.DeviceChannel;
import dev.lazypull.fuse.sys.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The request loop: a few platform threads, each reading one request at a time from /dev/fuse
 * into its own direct buffer and handling it. The buffer is free again as soon as the handler
 * returns, because READs are answered asynchronously and everything else is decoded at once.
 * The threads end when the kernel ends the connection (ENODEV after unmount, or an abort).
 */
public final class FuseServer {
  private static final System.Logger LOG = System.getLogger(FuseServer.class.getName());
  /** Room for any synchronous reply: a 1 MiB directory listing, a 64 KiB xattr. */
  private static final int REPLY_BUFFER = MountOptions.MAX_READ + 4096;

  private final DeviceChannel device;
  private final RequestHandler handler;
  private final int requestBuffer;
  private final List<Thread> threads = new ArrayList<>();
  private final CountDownLatch stopped;
  private final CompletableFuture<Void> ended = new CompletableFuture<>();

  public FuseServer(DeviceChannel device, RequestHandler handler, MountOptions opts) {
    this.device = device;
    this.handler = handler;
    // The kernel refuses reads into buffers smaller than max_write plus the WRITE headers.
    this.requestBuffer = Math.max(8192, opts.maxWrite() + 4096);
    this.stopped = new CountDownLatch(opts.readerThreads());
    for (int i = 0; i < opts.readerThreads(); i++) {
      threads.add(Thread.ofPlatform().name("fuse-reader-" + opts.fsName() + "-" + i).daemon()
          .unstarted(this::loop));
    }
  }

  public void start() {
    threads.forEach(Thread::start);
  }

  /**
   * Completes when every reader thread has ended: the kernel ended the connection (ENODEV once
   * the file system is unmounted, by {@code close} or by umount(8) from outside, or an abort).
   */
  public CompletableFuture<Void> ended() {
    return ended;
  }

  /** Waits for every reader thread to end; true if they did within the timeout. */
  public boolean awaitStop(long timeout, TimeUnit unit) throws InterruptedException {
    return stopped.await(timeout, unit);
  }

  private void loop() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment in = arena.allocate(requestBuffer, 4096);
      ByteBuffer request = in.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      ByteBuffer reply = arena.allocate(REPLY_BUFFER, 4096).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      MemorySegment errno = LibC.errnoSegment(arena);
      while (true) {
        long n = device.read(in, errno);
        if (n >= 0) {
          handler.handle(request, (int) n, reply);
          continue;
        }
        int e = (int) -n;
        if (e == LibC.EINTR || e == LibC.EAGAIN || e == LibC.ENOENT) {
          continue; // a signal, or a request withdrawn while we were reading it
        }
        if (e != LibC.ENODEV && e != LibC.ECONNABORTED) {
          LOG.log(System.Logger.Level.ERROR, "reading /dev/fuse failed: {0}", LibC.strerror(e));
        }
        return;
      }
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.ERROR, "FUSE reader thread died", t);
    } finally {
      stopped.countDown();
      if (stopped.getCount() == 0) {
        ended.complete(null);
      }
    }
  }
}
