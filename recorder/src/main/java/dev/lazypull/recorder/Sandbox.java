package dev.lazypull.recorder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a command the way a container runtime would, over a read-only image tree, without letting
 * it touch the host: new mount, PID and network namespaces ({@code unshare}); in them a writable
 * overlay (upper and work directories in a scratch directory deleted afterwards) over the tree,
 * {@code /proc}, a {@code /tmp} tmpfs and a {@code /dev} tmpfs with the usual device nodes bound
 * from the host; then {@code chroot} into it as the image's user, in its working directory, with
 * its environment and nothing else. The network namespace has only a loopback interface. At the
 * time limit the whole PID namespace is killed. Every mount lives in the private namespace and
 * goes with it, so nothing is left on the host whatever the command does.
 */
public final class Sandbox {
  /** Lines of output kept for the report. */
  static final int TAIL_LINES = 20;

  private static final String UNSHARE = "/usr/bin/unshare";
  /**
   * Runs in the new namespaces as PID 1's child: mounts, then execs chroot. Arguments: root,
   * lower, upper, work, user spec, workdir, then the command.
   */
  private static final String SETUP = """
      set -eu
      root=$1 lower=$2 upper=$3 work=$4 userspec=$5 wd=$6
      shift 6
      /usr/bin/mount -t overlay lazypull-record -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$root"
      /usr/bin/mkdir -p "$root/proc" "$root/tmp" "$root/dev"
      /usr/bin/mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
      /usr/bin/mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$root/tmp"
      /usr/bin/mount -t tmpfs -o nosuid,mode=755 tmpfs "$root/dev"
      for d in null zero full random urandom; do
        /usr/bin/touch "$root/dev/$d"
        /usr/bin/mount --bind "/dev/$d" "$root/dev/$d"
      done
      /usr/bin/mkdir -p "$root/dev/pts" "$root/dev/shm"
      /usr/bin/mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$root/dev/shm"
      /usr/bin/ln -s /proc/self/fd "$root/dev/fd"
      /usr/bin/ln -s /proc/self/fd/0 "$root/dev/stdin"
      /usr/bin/ln -s /proc/self/fd/1 "$root/dev/stdout"
      /usr/bin/ln -s /proc/self/fd/2 "$root/dev/stderr"
      /usr/sbin/ip link set lo up 2>/dev/null || true
      if [ ! -x "$root/bin/sh" ]; then echo "lazypull: the image has no /bin/sh" >&2; exit 127; fi
      exec /usr/sbin/chroot --userspec="$userspec" "$root" /bin/sh -c 'cd "$0" && exec "$@"' "$wd" "$@"
      """;

  private Sandbox() {}

  /**
   * Runs {@code argv} over the tree at {@code lower} as {@code config} says, within {@code
   * timeout}; {@code scratch} (a directory of the caller's, emptied and removed here) holds the
   * overlay's upper and work directories.
   */
  public static SandboxResult run(Path lower, RuntimeConfig config, List<String> argv, Duration timeout, Path scratch)
      throws IOException {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("no command to run");
    }
    Path root = Files.createDirectories(scratch.resolve("root"));
    Path upper = Files.createDirectories(scratch.resolve("upper"));
    Path work = Files.createDirectories(scratch.resolve("work"));
    List<String> cmd = new ArrayList<>(List.of(UNSHARE, "--mount", "--net", "--pid", "--fork", "--kill-child",
        "--propagation", "private", "/bin/sh", "-c", SETUP, "lazypull-sandbox",
        root.toString(), lower.toString(), upper.toString(), work.toString(), userSpec(config.user()), config.workdir()));
    cmd.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().clear();
    for (String kv : config.env()) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    pb.environment().putIfAbsent("HOME", "/root");
    pb.environment().putIfAbsent("HOSTNAME", "lazypull-record");
    ArrayDeque<String> tail = new ArrayDeque<>();
    Process p = pb.start();
    Thread reader = Thread.ofVirtual().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (tail) {
            tail.addLast(line.length() > 500 ? line.substring(0, 500) + "..." : line);
            if (tail.size() > TAIL_LINES) {
              tail.removeFirst();
            }
          }
        }
      } catch (IOException ignored) {
        // the process went; what was read is kept
      }
    });
    try {
      boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        // unshare --kill-child: its death kills the namespace's init and so every process in it.
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      reader.join(Duration.ofSeconds(5));
      synchronized (tail) {
        return new SandboxResult(finished ? p.exitValue() : -1, !finished, List.copyOf(tail));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while running " + argv);
    } finally {
      deleteTree(scratch);
    }
  }

  /** chroot's --userspec: USER[:GROUP] as the image gives it, root when it gives none. */
  static String userSpec(String user) {
    if (user == null || user.isEmpty()) {
      return "0:0";
    }
    if (user.chars().anyMatch(ch -> ch == '\n' || ch == '\0')) {
      throw new IllegalArgumentException("image user '" + user + "' is not a user name");
    }
    return user;
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }
}
