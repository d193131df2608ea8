package dev.lazypull.agent.systemd;

import dev.lazypull.fuse.sys.UnixSocket;
import java.io.IOException;

/**
 * sd_notify(3) without libsystemd: one datagram to the unix socket named by {@code
 * $NOTIFY_SOCKET} (a path, or an abstract name written with a leading {@code @}). The JDK has no
 * AF_UNIX datagram sockets, so this goes through the fuse module's {@link UnixSocket}, the one the
 * descriptor store uses for the same socket. Without {@code $NOTIFY_SOCKET} (not started by
 * systemd with Type=notify) it does nothing.
 */
public final class SystemdNotifier {
  private final String socket;

  private SystemdNotifier(String socket) {
    this.socket = socket;
  }

  /** The notifier for this process's environment. */
  public static SystemdNotifier fromEnvironment() {
    return of(System.getenv("NOTIFY_SOCKET"));
  }

  /** The notifier for {@code socket}; null or empty: none. */
  static SystemdNotifier of(String socket) {
    return new SystemdNotifier(socket == null || socket.isEmpty() ? null : socket);
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
  public void send(String state) throws IOException {
    if (socket == null) {
      return;
    }
    if (!socket.startsWith("@") && !socket.startsWith("/")) {
      throw new IOException("NOTIFY_SOCKET " + socket + " is neither an absolute path nor an abstract name (@...)");
    }
    try (UnixSocket s = UnixSocket.open(UnixSocket.SOCK_DGRAM)) {
      s.sendTo(socket, state, -1);
    } catch (IOException e) {
      throw new IOException("sd_notify to " + socket + " failed: " + e.getMessage(), e);
    }
  }
}
