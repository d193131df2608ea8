package dev.lazypull.agent.systemd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.lazypull.fuse.sys.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * sd_notify(3) without libsystemd: one datagram to the unix socket named by {@code
 * $NOTIFY_SOCKET} (a path, or an abstract name written with a leading {@code @}). The JDK has no
 * AF_UNIX datagram sockets, so this goes through FFM with the fuse module's libc plumbing. Without
 * {@code $NOTIFY_SOCKET} (not started by systemd with Type=notify) it does nothing.
 */
public final class SystemdNotifier {
  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 02000000;
  private static final int SUN_PATH_BYTES = 108;
  private static final int MSG_NOSIGNAL = 0x4000;

  private static final MethodHandle SOCKET = LibC.downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle SENDTO = LibC.downcall("sendto",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

  private final String socket;

  private SystemdNotifier(String socket) {
    this.socket = socket;
  }

  /** The notifier for this process's environment. */
  public static SystemdNotifier fromEnvironment() {
    String s = System.getenv("NOTIFY_SOCKET");
    return new SystemdNotifier(s == null || s.isEmpty() ? null : s);
  }

  public boolean enabled() {
    return socket != null;
  }

  /** {@code READY=1}: the service is up (systemd starts what is ordered after it). */
  public void ready(String status) throws IOException {
    send("READY=1\nSTATUS=" + status + "\nMAINPID=" + ProcessHandle.current().pid() + "\n");
  }

  /** {@code STOPPING=1}: the service is shutting down. */
  public void stopping() throws IOException {
    send("STOPPING=1\n");
  }

  /** Sends {@code state} as one datagram; throws naming the socket when it cannot. */
  @SuppressWarnings("restricted")
  public void send(String state) throws IOException {
    if (socket == null) {
      return;
    }
    byte[] path = socket.getBytes(StandardCharsets.UTF_8);
    boolean abstractName = path[0] == '@';
    if (path.length >= SUN_PATH_BYTES) {
      throw new IOException("NOTIFY_SOCKET " + socket + " is longer than a unix socket address allows");
    }
    if (!abstractName && path[0] != '/') {
      throw new IOException("NOTIFY_SOCKET " + socket + " is neither an absolute path nor an abstract name (@...)");
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment errno = LibC.errnoSegment(arena);
      MemorySegment addr = arena.allocate(2 + SUN_PATH_BYTES);
      addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
      MemorySegment.copy(path, 0, addr, JAVA_BYTE, 2, path.length);
      if (abstractName) {
        addr.set(JAVA_BYTE, 2, (byte) 0);
      }
      // An abstract name is exactly its bytes; a path carries its terminating NUL.
      int addrLen = 2 + path.length + (abstractName ? 0 : 1);
      byte[] message = state.getBytes(StandardCharsets.UTF_8);
      MemorySegment buf = arena.allocateFrom(JAVA_BYTE, message);
      int fd = (int) SOCKET.invokeExact(errno, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw new IOException("socket(AF_UNIX, SOCK_DGRAM): " + LibC.strerror(LibC.errno(errno)));
      }
      try {
        long sent = (long) SENDTO.invokeExact(errno, fd, buf, (long) message.length, MSG_NOSIGNAL, addr, addrLen);
        if (sent < 0) {
          throw new IOException("sendto(" + socket + "): " + LibC.strerror(LibC.errno(errno)));
        }
      } finally {
        LibC.close(fd);
      }
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("sd_notify to " + socket + " failed", t);
    }
  }
}
