package dev.lazypull.fuse.keep;

import dev.lazypull.fuse.sys.LibC;
import dev.lazypull.fuse.sys.UnixSocket;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * systemd's file descriptor store (sd_notify {@code FDSTORE=1}): the service manager keeps the
 * descriptors across restarts of the service and passes them to the next instance at exec
 * ({@code LISTEN_FDS}, {@code LISTEN_FDNAMES}, from descriptor 3). The unit needs
 * {@code FileDescriptorStoreMax=} (above the number of mounts) and {@code NotifyAccess=main} (or
 * {@code Type=notify}); systemd drops the store when the service is stopped rather than restarted.
 */
public final class SystemdFdStore implements DescriptorStore {
  public static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";
  /** Set by systemd (254+) to the unit's FileDescriptorStoreMax= when that is above 0. */
  public static final String FDSTORE = "FDSTORE";
  private static final int SD_LISTEN_FDS_START = 3;
  /** The passed descriptors exist once per process: a second retrieve must not hand them out again. */
  private static final AtomicBoolean RETRIEVED = new AtomicBoolean();

  private final String notifySocket;
  private final Map<String, String> environment;

  SystemdFdStore(String notifySocket, Map<String, String> environment) {
    this.notifySocket = notifySocket;
    this.environment = environment;
  }

  @Override
  public void keep(String name, int fd) throws IOException {
    DescriptorStore.checkName(name);
    notify("FDSTOREREMOVE=1\nFDNAME=" + name, -1); // one descriptor per name, as the holder keeps them
    notify("FDSTORE=1\nFDNAME=" + name, fd);
  }

  @Override
  public void drop(String name) throws IOException {
    DescriptorStore.checkName(name);
    notify("FDSTOREREMOVE=1\nFDNAME=" + name, -1);
  }

  /** Tells systemd the service is up (READY=1), for {@code Type=notify} units. */
  public void ready() throws IOException {
    notify("READY=1", -1);
  }

  @Override
  public Map<String, Integer> retrieve() throws IOException {
    Map<String, Integer> fds = new LinkedHashMap<>();
    String pid = environment.get("LISTEN_PID");
    String count = environment.get("LISTEN_FDS");
    if (pid == null || count == null || !pid.equals(Long.toString(ProcessHandle.current().pid()))
        || !RETRIEVED.compareAndSet(false, true)) {
      return fds; // none passed, or passed to another process
    }
    int n;
    try {
      n = Integer.parseInt(count);
    } catch (NumberFormatException e) {
      throw new IOException("LISTEN_FDS is not a number: '" + count + "'");
    }
    String namesVar = environment.getOrDefault("LISTEN_FDNAMES", "");
    String[] names = namesVar.isEmpty() ? new String[0] : namesVar.split(":", -1);
    for (int i = 0; i < n; i++) {
      int fd = SD_LISTEN_FDS_START + i;
      String name = i < names.length ? names[i] : "unknown";
      Integer old = fds.put(name, fd);
      if (old != null) {
        LibC.close(old);
      }
    }
    return fds;
  }

  private void notify(String message, int fd) throws IOException {
    try (UnixSocket s = UnixSocket.open(UnixSocket.SOCK_DGRAM)) {
      s.sendTo(notifySocket, message, fd);
    }
  }

  @Override
  public String describe() {
    return "systemd's file descriptor store (" + notifySocket + ")";
  }
}
