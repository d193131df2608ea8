package dev.lazypull.fuse.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.lazypull.fuse.MountOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Mounting without root through the setuid helper {@code fusermount3}: it opens /dev/fuse, mounts,
 * and sends the descriptor back over the unix socket named by {@code _FUSE_COMMFD} (SCM_RIGHTS).
 * The helper is started with posix_spawn, because a Java Process cannot inherit a descriptor.
 */
public final class Fusermount {

  private static final MethodHandle POSIX_SPAWNP = LibC.plainDowncall("posix_spawnp",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
  private static final MethodHandle WAITPID = LibC.downcall("waitpid",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

  private Fusermount() {
  }

  /** The -o options for fusermount3. */
  static String options(MountOptions opts) {
    StringBuilder b = new StringBuilder("ro,fsname=").append(opts.fsName()).append(",subtype=lazypull");
    b.append(opts.suid() ? ",suid" : ",nosuid").append(opts.dev() ? ",dev" : ",nodev");
    if (opts.allowOther()) {
      b.append(",allow_other");
    }
    if (opts.defaultPermissions()) {
      b.append(",default_permissions");
    }
    return b.toString();
  }

  /** Mounts {@code target} through fusermount3 and returns the /dev/fuse descriptor it passed back. */
  public static DeviceChannel mount(Path target, MountOptions opts) throws IOException {
    UnixSocket[] pair = UnixSocket.pair(UnixSocket.SOCK_STREAM, true); // the helper inherits one end
    try (Arena arena = Arena.ofConfined(); UnixSocket ours = pair[0]; UnixSocket theirs = pair[1]) {
      int pid = spawn(arena, List.of("fusermount3", "-o", options(opts), "--", target.toString()), theirs.fd());
      theirs.close();
      UnixSocket.Message message = ours.receive();
      int status = waitFor(arena, pid);
      if (message == null || message.fd() < 0) {
        throw new IOException("fusermount3 mounted nothing at " + target + " (exit status " + status
            + ", its message is on stderr)");
      }
      return DeviceChannel.of(message.fd());
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("fusermount3 failed", t);
    }
  }

  /** Unmounts with {@code fusermount3 -u}, lazily ({@code -z}) if asked. */
  public static void unmount(Path target, boolean lazy) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("fusermount3", "-u", "-q"));
    if (lazy) {
      cmd.add("-z");
    }
    cmd.add(target.toString());
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new IOException("fusermount3 -u " + target + " failed: " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted unmounting " + target, e);
    }
  }

  private static int spawn(Arena arena, List<String> argv, int commFd) throws Throwable {
    List<String> env = new ArrayList<>();
    for (Map.Entry<String, String> e : System.getenv().entrySet()) {
      if (!e.getKey().equals("_FUSE_COMMFD")) {
        env.add(e.getKey() + "=" + e.getValue());
      }
    }
    env.add("_FUSE_COMMFD=" + commFd);
    MemorySegment pid = arena.allocate(JAVA_INT);
    int r = (int) POSIX_SPAWNP.invokeExact(pid, arena.allocateFrom(argv.getFirst()), MemorySegment.NULL,
        MemorySegment.NULL, strings(arena, argv), strings(arena, env));
    if (r != 0) {
      throw new IOException("cannot start fusermount3: " + LibC.strerror(r));
    }
    return pid.get(JAVA_INT, 0);
  }

  /** A NULL-terminated array of C strings. */
  private static MemorySegment strings(Arena arena, List<String> values) {
    MemorySegment array = arena.allocate(ADDRESS, values.size() + 1);
    for (int i = 0; i < values.size(); i++) {
      array.setAtIndex(ADDRESS, i, arena.allocateFrom(values.get(i)));
    }
    array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
    return array;
  }

  private static int waitFor(Arena arena, int pid) throws Throwable {
    MemorySegment errno = LibC.errnoSegment(arena);
    MemorySegment status = arena.allocate(JAVA_INT);
    int r;
    do {
      r = (int) WAITPID.invokeExact(errno, pid, status, 0);
    } while (r < 0 && LibC.errno(errno) == LibC.EINTR);
    int s = status.get(JAVA_INT, 0);
    return (s >> 8) & 0xff;
  }
}
