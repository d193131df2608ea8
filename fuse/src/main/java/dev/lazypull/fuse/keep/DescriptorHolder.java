package dev.lazypull.fuse.keep;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.lazypull.fuse.sys.LibC;
import dev.lazypull.fuse.sys.UnixSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The holder: a process that does nothing but keep descriptors (the /dev/fuse descriptors of live
 * mounts) for servers that may die and come back. It is the one part that must not fail, so it is
 * small: one thread, one poll(2) loop over its unix socket and the descriptors it keeps, no
 * allocation beyond a few objects per request, every class loaded at start (a jar replaced under
 * it by an upgrade cannot break it later), no dependency outside this package and {@code sys}.
 *
 * <p>Protocol (SOCK_SEQPACKET, one short ASCII message each way, connections from root or the
 * holder's own user only): {@code KEEP name} with a descriptor attached (SCM_RIGHTS) keeps it,
 * replacing what was kept under that name; {@code DROP name} closes it; {@code LIST} answers one
 * {@code FD name} message with each descriptor attached, then {@code END}. Every request is
 * answered {@code OK} or {@code ERR reason}; a malformed one ends only its connection. A kept FUSE
 * descriptor whose connection has ended (unmounted) polls POLLERR and is closed.
 *
 * <p>Usage: {@code java -cp ... dev.lazypull.fuse.keep.DescriptorHolder SOCKET}. A second holder on
 * the same socket exits at once (an exclusive flock on {@code SOCKET.lock}). A holder that keeps
 * nothing for {@value #IDLE_EXIT_MILLIS} ms exits (removing its socket first, so a client that
 * comes at that moment starts a new one): every mount it kept has gone, and a holder per test run
 * directory or per stopped agent must not stay behind for ever.
 */
public final class DescriptorHolder {
  /** A client that connects and says nothing cannot hold the loop longer than this. */
  static final int CLIENT_TIMEOUT_MILLIS = 2000;
  /** How long a holder that keeps nothing waits for a descriptor before it exits. */
  static final int IDLE_EXIT_MILLIS = 10_000;
  /** The answer to a client that came while the holder was exiting: it starts a new holder and retries. */
  static final String EXITING = "ERR holder exiting";

  private final Map<String, Integer> kept = new LinkedHashMap<>();
  private final UnixSocket listener;
  private final Path socket;
  private final int lock;
  private final int ownUid = LibC.geteuid();

  private DescriptorHolder(UnixSocket listener, Path socket, int lock) {
    this.listener = listener;
    this.socket = socket;
    this.lock = lock;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: DescriptorHolder SOCKET");
      System.exit(2);
    }
    Path socket = Path.of(args[0]).toAbsolutePath();
    int lock = LibC.open(socket + ".lock", LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0600);
    if (lock < 0) {
      log("cannot open " + socket + ".lock: " + LibC.strerror(-lock));
      System.exit(1);
    }
    if (LibC.flock(lock, LibC.LOCK_EX | LibC.LOCK_NB) < 0) {
      log("another holder serves " + socket + "; exiting");
      return;
    }
    preload();
    Files.deleteIfExists(socket);
    UnixSocket listener = UnixSocket.open(UnixSocket.SOCK_SEQPACKET);
    listener.bind(socket.toString());
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    listener.listen(16);
    Files.writeString(Path.of(socket + ".pid"), ProcessHandle.current().pid() + "\n");
    log("holding descriptors at " + socket);
    System.out.println("ready");
    System.out.flush();
    new DescriptorHolder(listener, socket, lock).run();
  }

  /** Loads every class the loop can reach now, so nothing is read from the jar later. */
  private static void preload() throws ClassNotFoundException {
    for (Class<?> c : new Class<?>[] {UnixSocket.class, UnixSocket.Message.class, UnixSocket.Peer.class,
        LibC.class, Reply.class, IOException.class, Instant.class, ArrayList.class}) {
      Class.forName(c.getName(), true, DescriptorHolder.class.getClassLoader());
    }
    // Runs the code paths once: formatting, a poll, strerror.
    log("starting, " + LibC.strerror(2) + " " + Instant.now());
    LibC.fuseConnectionEnded(0);
  }

  private record Reply(String text, int fd) {
  }

  private void run() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pollfds = arena.allocate(8L * 1024, 4);
      while (true) {
        List<String> names = new ArrayList<>(kept.keySet());
        int count = Math.min(names.size(), 1023) + 1;
        pollfds.set(JAVA_INT, 0, listener.fd());
        pollfds.set(JAVA_SHORT, 4, LibC.POLLIN);
        pollfds.set(JAVA_SHORT, 6, (short) 0);
        for (int i = 1; i < count; i++) {
          pollfds.set(JAVA_INT, 8L * i, kept.get(names.get(i - 1)));
          pollfds.set(JAVA_SHORT, 8L * i + 4, (short) 0); // errors only: never read a request
          pollfds.set(JAVA_SHORT, 8L * i + 6, (short) 0);
        }
        int r = LibC.poll(pollfds, count, kept.isEmpty() ? IDLE_EXIT_MILLIS : -1);
        if (r == 0 && kept.isEmpty()) {
          exitIdle();
          return;
        }
        if (r < 0) {
          if (r != -LibC.EINTR) {
            log("poll failed: " + LibC.strerror(-r));
            sleep();
          }
          continue;
        }
        for (int i = 1; i < count; i++) {
          short revents = pollfds.get(JAVA_SHORT, 8L * i + 6);
          if ((revents & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0) {
            String name = names.get(i - 1);
            close(name);
            log("closed " + name + ": its connection has ended");
          }
        }
        if ((pollfds.get(JAVA_SHORT, 6) & LibC.POLLIN) != 0) {
          serveOne();
        }
      }
    }
  }

  /**
   * Exits keeping nothing: the socket and pid file go first and the lock is released, so a client
   * from now on starts a new holder; one that connected just before is told to.
   */
  private void exitIdle() {
    try {
      Files.deleteIfExists(socket);
      Files.deleteIfExists(Path.of(socket + ".pid"));
    } catch (IOException e) {
      log("removing " + socket + ": " + e.getMessage());
    }
    LibC.close(lock);
    log("nothing kept for " + IDLE_EXIT_MILLIS + " ms; exiting");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pollfd = arena.allocate(8, 4);
      pollfd.set(JAVA_INT, 0, listener.fd());
      pollfd.set(JAVA_SHORT, 4, LibC.POLLIN);
      while (LibC.poll(pollfd, 1, 0) > 0) {
        try (UnixSocket client = listener.accept()) {
          client.send(EXITING, -1);
        } catch (IOException e) {
          log("client while exiting: " + e.getMessage());
        }
      }
    }
    listener.close();
  }

  private void serveOne() {
    UnixSocket client;
    try {
      client = listener.accept();
    } catch (IOException e) {
      log(e.getMessage());
      return;
    }
    try (client) {
      client.timeout(CLIENT_TIMEOUT_MILLIS);
      UnixSocket.Peer peer = client.peer();
      if (peer.uid() != 0 && peer.uid() != ownUid) {
        client.send("ERR uid " + peer.uid() + " may not use this holder", -1);
        return;
      }
      UnixSocket.Message m;
      while ((m = client.receive()) != null) {
        Reply reply = handle(m, client);
        client.send(reply.text(), reply.fd());
      }
    } catch (IOException | RuntimeException e) {
      log("client: " + e.getMessage()); // its connection ends, nothing else
    }
  }

  private Reply handle(UnixSocket.Message m, UnixSocket client) throws IOException {
    String text = m.text();
    int space = text.indexOf(' ');
    String verb = space < 0 ? text : text.substring(0, space);
    String name = space < 0 ? null : text.substring(space + 1);
    if (!verb.equals("KEEP") && m.fd() >= 0) {
      LibC.close(m.fd());
      return new Reply("ERR a descriptor came with " + verb, -1);
    }
    try {
      switch (verb) {
        case "KEEP" -> {
          DescriptorStore.checkName(name);
          if (m.fd() < 0) {
            return new Reply("ERR KEEP without a descriptor", -1);
          }
          close(name);
          kept.put(name, m.fd());
          log("keeping " + name);
          return new Reply("OK", -1);
        }
        case "DROP" -> {
          DescriptorStore.checkName(name);
          boolean had = close(name);
          log("dropped " + name + (had ? "" : " (not kept)"));
          return new Reply("OK", -1);
        }
        case "LIST" -> {
          for (Map.Entry<String, Integer> e : kept.entrySet()) {
            client.send("FD " + e.getKey(), e.getValue());
          }
          return new Reply("END", -1);
        }
        default -> {
          return new Reply("ERR unknown request", -1);
        }
      }
    } catch (IllegalArgumentException e) {
      if (m.fd() >= 0) {
        LibC.close(m.fd());
      }
      return new Reply("ERR " + e.getMessage(), -1);
    }
  }

  private boolean close(String name) {
    Integer fd = kept.remove(name);
    if (fd == null) {
      return false;
    }
    LibC.close(fd);
    return true;
  }

  private static void sleep() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void log(String message) {
    System.err.println(Instant.now() + " holder: " + message);
  }
}
