package dev.lazypull.fuse.keep;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Keeps descriptors alive outside this process, by name, so that a kernel FUSE connection
 * survives a restart, a crash or an upgrade of the server: the kernel ends a connection only when
 * the last descriptor of its /dev/fuse file is closed. Two owners: systemd's file descriptor store
 * when the process runs as a systemd service with {@code NOTIFY_SOCKET} set
 * ({@link SystemdFdStore}), else a small holder process of our own ({@link HolderClient}).
 */
public sealed interface DescriptorStore permits SystemdFdStore, HolderClient {

  /** Names: printable ASCII, no ':' or spaces, 1..255 characters (systemd's FDNAME rules). */
  static void checkName(String name) {
    if (name == null || name.isEmpty() || name.length() > 255
        || !name.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
      throw new IllegalArgumentException("descriptor name must be 1..255 printable ASCII characters without"
          + " ':' or spaces: '" + name + "'");
    }
  }

  /**
   * The store for this process: systemd's when {@code NOTIFY_SOCKET} is set and the unit has a
   * store ({@code FDSTORE}, which systemd 254+ sets to {@code FileDescriptorStoreMax=} when it is
   * above 0), else the holder at {@code holderSocket} (started when none runs there). Without
   * {@code FDSTORE} systemd would refuse the descriptors silently, so the holder it is.
   */
  static DescriptorStore forThisProcess(Path holderSocket) {
    return forEnvironment(System.getenv(), holderSocket);
  }

  /** {@link #forThisProcess} for the environment {@code env}. */
  static DescriptorStore forEnvironment(Map<String, String> env, Path holderSocket) {
    String notify = env.get(SystemdFdStore.NOTIFY_SOCKET);
    String max = env.getOrDefault(SystemdFdStore.FDSTORE, "");
    if (notify != null && !notify.isEmpty() && max.matches("[0-9]{1,9}") && Integer.parseInt(max) > 0) {
      return new SystemdFdStore(notify, env);
    }
    return new HolderClient(holderSocket);
  }

  /** Keeps a duplicate of {@code fd} under {@code name}, replacing what was kept under it. */
  void keep(String name, int fd) throws IOException;

  /** Closes the store's copy kept under {@code name}, if any. */
  void drop(String name) throws IOException;

  /**
   * The descriptors kept for this process (by its predecessors), by name; each is a new
   * descriptor the caller owns and must close. The store still keeps its own copies.
   */
  Map<String, Integer> retrieve() throws IOException;

  /** A short description for logs: which owner keeps the descriptors. */
  String describe();
}
