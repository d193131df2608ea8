package dev.lazypull.fuse.keep;

import dev.lazypull.fuse.sys.LibC;
import dev.lazypull.fuse.sys.UnixSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Talks to the {@link DescriptorHolder} at a socket, starting one when none answers there. Each
 * call is one short connection, so the holder is never held by a client.
 */
public final class HolderClient implements DescriptorStore {
  private static final System.Logger LOG = System.getLogger(HolderClient.class.getName());
  private static final long START_TIMEOUT_NANOS = 10_000_000_000L;
  /**
   * The holder's JVM: interpreted only (it runs a few hundred bytecodes per request, and no JIT
   * means no compiler threads or code cache), a small heap, no perf data file. Measured: 42 MB RSS,
   * half of it libjvm and the CDS archive shared with every other JVM; 0.7 s to ready (decision 0007).
   */
  static final List<String> HOLDER_JVM = List.of("-Xint", "-Xms2m", "-Xmx8m", "-Xss256k", "-XX:+UseSerialGC",
      "-XX:MaxMetaspaceSize=16m", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED");

  private final Path socket;

  public HolderClient(Path socket) {
    this.socket = socket.toAbsolutePath();
  }

  public Path socket() {
    return socket;
  }

  @Override
  public void keep(String name, int fd) throws IOException {
    DescriptorStore.checkName(name);
    try {
      keepOnce(name, fd);
    } catch (IOException e) {
      if (Files.exists(socket)) {
        throw e;
      }
      // The holder was exiting idle as we came (it removes its socket first): start another.
      keepOnce(name, fd);
    }
  }

  private void keepOnce(String name, int fd) throws IOException {
    try (UnixSocket s = connect(true)) {
      s.send("KEEP " + name, fd);
      expectOk(s, "KEEP " + name);
    }
  }

  @Override
  public void drop(String name) throws IOException {
    DescriptorStore.checkName(name);
    try (UnixSocket s = connect(false)) {
      if (s == null) {
        return; // no holder: nothing kept
      }
      s.send("DROP " + name, -1);
      expectOk(s, "DROP " + name);
    }
  }

  @Override
  public Map<String, Integer> retrieve() throws IOException {
    Map<String, Integer> fds = new LinkedHashMap<>();
    try (UnixSocket s = connect(false)) {
      if (s == null) {
        return fds;
      }
      s.send("LIST", -1);
      while (true) {
        UnixSocket.Message m = s.receive();
        if (m == null) {
          throw new IOException("holder at " + socket + " closed the connection in the middle of LIST");
        }
        if (m.text().equals("END")) {
          return fds;
        }
        if (!m.text().startsWith("FD ") || m.fd() < 0) {
          if (m.fd() >= 0) {
            LibC.close(m.fd());
          }
          throw new IOException("holder at " + socket + " answered LIST with '" + m.text() + "'");
        }
        Integer old = fds.put(m.text().substring(3), m.fd());
        if (old != null) {
          LibC.close(old);
        }
      }
    } catch (IOException | RuntimeException e) {
      fds.values().forEach(LibC::close);
      throw e;
    }
  }

  @Override
  public String describe() {
    return "the lazypull holder at " + socket;
  }

  /** The holder's pid from its pid file, if it is running. */
  public java.util.Optional<ProcessHandle> holderProcess() throws IOException {
    Path pid = Path.of(socket + ".pid");
    if (!Files.exists(pid)) {
      return java.util.Optional.empty();
    }
    return ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).filter(ProcessHandle::isAlive);
  }

  private static void expectOk(UnixSocket s, String request) throws IOException {
    UnixSocket.Message m = s.receive();
    if (m == null || !m.text().equals("OK")) {
      if (m != null && m.fd() >= 0) {
        LibC.close(m.fd());
      }
      throw new IOException("holder refused " + request + ": " + (m == null ? "connection closed" : m.text()));
    }
  }

  /** A connection to the holder; when none answers, starts one if {@code start}, else null. */
  private UnixSocket connect(boolean start) throws IOException {
    UnixSocket s = tryConnect();
    if (s != null || !start) {
      return s;
    }
    Process holder = startHolder();
    long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
    while (System.nanoTime() < deadline) {
      s = tryConnect();
      if (s != null) {
        return s;
      }
      if (!holder.isAlive() && tryConnect() == null) {
        throw new IOException("the descriptor holder exited at once (status " + holder.exitValue() + "); see "
            + socket + ".log");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for the descriptor holder", e);
      }
    }
    throw new IOException("the descriptor holder did not answer at " + socket + " within 10 s; see " + socket + ".log");
  }

  private UnixSocket tryConnect() throws IOException {
    if (!Files.exists(socket)) {
      return null;
    }
    UnixSocket s = UnixSocket.open(UnixSocket.SOCK_SEQPACKET);
    try {
      s.connect(socket.toString());
      s.timeout(DescriptorHolder.CLIENT_TIMEOUT_MILLIS * 2);
      return s;
    } catch (IOException refused) {
      s.close(); // a socket file left by a holder that died
      return null;
    }
  }

  /**
   * Starts a holder in its own session (setsid), so that the server's terminal, process group
   * and death do not reach it; its output goes to {@code SOCKET.log}.
   */
  private Process startHolder() throws IOException {
    Path dir = socket.getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath;
    try {
      classpath = Path.of(DescriptorHolder.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException | RuntimeException e) {
      throw new IOException("cannot find the jar holding " + DescriptorHolder.class.getName(), e);
    }
    List<String> cmd = new ArrayList<>(List.of("setsid", java));
    cmd.addAll(HOLDER_JVM);
    cmd.addAll(List.of("-cp", classpath, DescriptorHolder.class.getName(), socket.toString()));
    LOG.log(System.Logger.Level.INFO, "starting the descriptor holder at {0}", socket);
    return new ProcessBuilder(cmd)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of(socket + ".log").toFile()))
        .redirectErrorStream(true)
        .start();
  }
}
