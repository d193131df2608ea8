package dev.lazypull.fuse.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A unix-domain socket that passes descriptors (SCM_RIGHTS), which Java's own channels cannot: at
 * most one descriptor rides along with each message. Messages are short texts (ASCII); stream
 * sockets are used only for fusermount3's single descriptor, everything else is SOCK_SEQPACKET
 * (connection-oriented with message boundaries) or SOCK_DGRAM (systemd's notify socket).
 */
public final class UnixSocket implements AutoCloseable {
  public static final int SOCK_STREAM = 1;
  public static final int SOCK_DGRAM = 2;
  public static final int SOCK_SEQPACKET = 5;
  /** Longest message this class sends or receives. */
  public static final int MAX_MESSAGE = 4096;

  private static final int AF_UNIX = 1;
  private static final int SOCK_CLOEXEC = 02000000;
  private static final int SOL_SOCKET = 1;
  private static final int SCM_RIGHTS = 1;
  private static final int SO_PEERCRED = 17;
  private static final int SO_RCVTIMEO = 20;
  private static final int SO_SNDTIMEO = 21;
  private static final int MSG_CMSG_CLOEXEC = 0x40000000;
  private static final int MSG_NOSIGNAL = 0x4000;
  /** sizeof(struct sockaddr_un): a short family and 108 bytes of path. */
  private static final int SOCKADDR_UN = 110;
  private static final int SUN_PATH = 108;

  private static final MethodHandle SOCKET = LibC.downcall("socket",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle SOCKETPAIR = LibC.downcall("socketpair",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle BIND = LibC.downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle CONNECT = LibC.downcall("connect",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle LISTEN = LibC.downcall("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle ACCEPT4 = LibC.downcall("accept4",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
  private static final MethodHandle SENDMSG = LibC.downcall("sendmsg",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle RECVMSG = LibC.downcall("recvmsg",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle GETSOCKOPT = LibC.downcall("getsockopt",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle SETSOCKOPT = LibC.downcall("setsockopt",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

  /** One message received: its text and the descriptor that came with it (-1: none). */
  public record Message(String text, int fd) {
  }

  /** The peer's credentials (SO_PEERCRED). */
  public record Peer(int pid, int uid, int gid) {
  }

  private final int fd;
  private final AtomicBoolean closed = new AtomicBoolean();

  private UnixSocket(int fd) {
    this.fd = fd;
  }

  public int fd() {
    return fd;
  }

  /** Wraps a descriptor this caller owns from now on. */
  public static UnixSocket of(int fd) {
    return new UnixSocket(fd);
  }

  /** A new socket of {@code type}, close-on-exec. */
  public static UnixSocket open(int type) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment errno = LibC.errnoSegment(arena);
      int fd = (int) SOCKET.invokeExact(errno, AF_UNIX, type | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw new IOException("socket(AF_UNIX) failed: " + LibC.strerror(LibC.errno(errno)));
      }
      return new UnixSocket(fd);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * A connected pair, both ends close-on-exec unless {@code inheritable} (for a child process that
   * takes one end; the parent closes its copy of that end once the child runs).
   */
  public static UnixSocket[] pair(int type, boolean inheritable) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment errno = LibC.errnoSegment(arena);
      MemorySegment fds = arena.allocate(JAVA_INT, 2);
      if ((int) SOCKETPAIR.invokeExact(errno, AF_UNIX, type | (inheritable ? 0 : SOCK_CLOEXEC), 0, fds) < 0) {
        throw new IOException("socketpair failed: " + LibC.strerror(LibC.errno(errno)));
      }
      return new UnixSocket[] {new UnixSocket(fds.getAtIndex(JAVA_INT, 0)), new UnixSocket(fds.getAtIndex(JAVA_INT, 1))};
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * struct sockaddr_un for {@code path}; a leading '@' names an address in the abstract namespace
   * (as systemd's NOTIFY_SOCKET may).
   */
  private static MemorySegment address(Arena arena, String path) throws IOException {
    byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
    if (bytes.length == 0 || bytes.length >= SUN_PATH) {
      throw new IOException("unix socket path must be 1.." + (SUN_PATH - 1) + " bytes: " + path);
    }
    MemorySegment addr = arena.allocate(SOCKADDR_UN, 2);
    addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
    MemorySegment.copy(bytes, 0, addr, JAVA_BYTE, 2, bytes.length);
    if (bytes[0] == '@') {
      addr.set(JAVA_BYTE, 2, (byte) 0);
      return addr.asSlice(0, 2 + bytes.length); // abstract names are not NUL-terminated
    }
    return addr;
  }

  public void bind(String path) throws IOException {
    call("bind " + path, (arena, errno) -> {
      MemorySegment addr = address(arena, path);
      return (int) BIND.invokeExact(errno, fd, addr, (int) addr.byteSize());
    });
  }

  public void listen(int backlog) throws IOException {
    call("listen", (arena, errno) -> (int) LISTEN.invokeExact(errno, fd, backlog));
  }

  public void connect(String path) throws IOException {
    call("connect to " + path, (arena, errno) -> {
      MemorySegment addr = address(arena, path);
      return (int) CONNECT.invokeExact(errno, fd, addr, (int) addr.byteSize());
    });
  }

  /** Accepts one connection (close-on-exec). */
  public UnixSocket accept() throws IOException {
    return new UnixSocket(call("accept", (arena, errno) -> (int) ACCEPT4.invokeExact(errno, fd,
        MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC)));
  }

  /** The connected peer's pid, uid and gid, as the kernel recorded them at connect. */
  public Peer peer() throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cred = arena.allocate(12, 4);
      MemorySegment len = arena.allocateFrom(JAVA_INT, 12);
      call("SO_PEERCRED", (a, errno) -> (int) GETSOCKOPT.invokeExact(errno, fd, SOL_SOCKET, SO_PEERCRED, cred, len));
      return new Peer(cred.get(JAVA_INT, 0), cred.get(JAVA_INT, 4), cred.get(JAVA_INT, 8));
    }
  }

  /** Makes a send or receive that waits longer than {@code millis} fail (EAGAIN) instead of blocking on. */
  public void timeout(int millis) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment tv = arena.allocate(16, 8); // struct timeval { long tv_sec; long tv_usec; }
      tv.set(JAVA_LONG, 0, millis / 1000);
      tv.set(JAVA_LONG, 8, (millis % 1000) * 1000L);
      for (int option : new int[] {SO_RCVTIMEO, SO_SNDTIMEO}) {
        call("setsockopt", (a, errno) -> (int) SETSOCKOPT.invokeExact(errno, fd, SOL_SOCKET, option, tv, 16));
      }
    }
  }

  /** Sends {@code text} as one message, with {@code passFd} attached unless it is -1. */
  public void send(String text, int passFd) throws IOException {
    sendTo(null, text, passFd);
  }

  /** Sends one datagram to {@code path} (an unconnected SOCK_DGRAM socket), with an optional descriptor. */
  public void sendTo(String path, String text, int passFd) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_MESSAGE) {
      throw new IOException("message of " + bytes.length + " bytes is over " + MAX_MESSAGE);
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment data = arena.allocate(Math.max(1, bytes.length));
      MemorySegment.copy(bytes, 0, data, JAVA_BYTE, 0, bytes.length);
      MemorySegment control = MemorySegment.NULL;
      if (passFd >= 0) {
        control = arena.allocate(24, 8); // CMSG_SPACE(sizeof(int))
        control.set(JAVA_LONG, 0, 20);   // CMSG_LEN(sizeof(int))
        control.set(JAVA_INT, 8, SOL_SOCKET);
        control.set(JAVA_INT, 12, SCM_RIGHTS);
        control.set(JAVA_INT, 16, passFd);
      }
      MemorySegment msg = msghdr(arena, data, bytes.length, control);
      if (path != null) {
        MemorySegment addr = address(arena, path);
        msg.set(ADDRESS, 0, addr);
        msg.set(JAVA_INT, 8, (int) addr.byteSize());
      }
      MemorySegment errno = LibC.errnoSegment(arena);
      long n;
      do {
        n = (long) SENDMSG.invokeExact(errno, fd, msg, MSG_NOSIGNAL);
      } while (n < 0 && LibC.errno(errno) == LibC.EINTR);
      if (n < 0) {
        throw new IOException("sendmsg failed: " + LibC.strerror(LibC.errno(errno)));
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** struct msghdr (LP64) over one iovec of {@code length} bytes of {@code data}, with {@code control}. */
  private static MemorySegment msghdr(Arena arena, MemorySegment data, long length, MemorySegment control) {
    MemorySegment iov = arena.allocate(16, 8);
    iov.set(JAVA_LONG, 0, data.address());
    iov.set(JAVA_LONG, 8, length);
    MemorySegment msg = arena.allocate(56, 8);
    msg.set(ADDRESS, 16, iov);
    msg.set(JAVA_LONG, 24, 1);
    msg.set(ADDRESS, 32, control);
    msg.set(JAVA_LONG, 40, control.byteSize());
    return msg;
  }

  /**
   * Receives one message (up to {@link #MAX_MESSAGE} bytes) and the descriptor that came with it,
   * close-on-exec. Null when the peer has closed the connection. More than one descriptor in one
   * message: the extra ones are closed and the message is refused.
   */
  public Message receive() throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment data = arena.allocate(MAX_MESSAGE);
      MemorySegment control = arena.allocate(64, 8); // room for a few descriptors, to close strays
      MemorySegment msg = msghdr(arena, data, MAX_MESSAGE, control);
      MemorySegment errno = LibC.errnoSegment(arena);
      long n;
      do {
        n = (long) RECVMSG.invokeExact(errno, fd, msg, MSG_CMSG_CLOEXEC);
      } while (n < 0 && LibC.errno(errno) == LibC.EINTR);
      if (n < 0) {
        throw new IOException("recvmsg failed: " + LibC.strerror(LibC.errno(errno)));
      }
      int received = -1;
      boolean extra = false;
      long controlLength = msg.get(JAVA_LONG, 40);
      // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; int data[]; }
      if (controlLength >= 20 && control.get(JAVA_INT, 8) == SOL_SOCKET && control.get(JAVA_INT, 12) == SCM_RIGHTS) {
        long count = (control.get(JAVA_LONG, 0) - 16) / 4;
        for (int i = 0; i < count; i++) {
          int passed = control.get(JAVA_INT, 16 + 4L * i);
          if (i == 0) {
            received = passed;
          } else {
            LibC.close(passed);
            extra = true;
          }
        }
      }
      int flags = msg.get(JAVA_INT, 48);
      if (extra || (flags & 0x8) != 0) { // MSG_CTRUNC: descriptors were dropped
        if (received >= 0) {
          LibC.close(received);
        }
        throw new IOException("message carried more than one descriptor");
      }
      if (n == 0 && received < 0) {
        return null;
      }
      byte[] bytes = new byte[(int) n];
      MemorySegment.copy(data, JAVA_BYTE, 0, bytes, 0, (int) n);
      return new Message(new String(bytes, StandardCharsets.UTF_8), received);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  @FunctionalInterface
  private interface Call {
    int invoke(Arena arena, MemorySegment errno) throws Throwable;
  }

  /** Runs one syscall, again after EINTR; its result, or an IOException saying {@code what} failed. */
  private static int call(String what, Call call) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment errno = LibC.errnoSegment(arena);
      int r;
      do {
        r = call.invoke(arena, errno);
      } while (r < 0 && LibC.errno(errno) == LibC.EINTR);
      if (r < 0) {
        throw new IOException(what + " failed: " + LibC.strerror(LibC.errno(errno)));
      }
      return r;
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      LibC.close(fd);
    }
  }
}
