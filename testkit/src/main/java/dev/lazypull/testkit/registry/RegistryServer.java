package dev.lazypull.testkit.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A real OCI registry for tests: Debian's {@code /usr/bin/docker-registry} (CNCF distribution
 * 2.8) started as a child process on a free loopback port, with its storage in a temporary
 * directory that is deleted when it stops.
 *
 * <p>Most tests share one anonymous, plain-HTTP registry per test JVM:
 *
 * <pre>{@code
 * RegistryServer registry = RegistryServer.shared();       // started on first use
 * String ref = registry.hostPort() + "/mytest/image:v1"; // e.g. 127.0.0.1:41234/mytest/image:v1
 * }</pre>
 *
 * It is stopped by a shutdown hook; use a repository name of your own per test so tests do not
 * see each other's images. Tests that need auth or TLS start their own, with try-with-resources:
 *
 * <pre>{@code
 * try (RegistryServer secured = RegistryServer.builder().htpasswd("user", "secret").tls(tls).start()) {
 *   ...
 * }
 * }</pre>
 *
 * Plain HTTP on 127.0.0.1 is what registry-client and skopeo ({@code --tls-verify=false}) accept.
 */
public final class RegistryServer implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/docker-registry");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static RegistryServer shared;

  private final Process process;
  private final Path workDir;
  private final int port;
  private final boolean tls;

  private RegistryServer(Process process, Path workDir, int port, boolean tls) {
    this.process = process;
    this.workDir = workDir;
    this.port = port;
    this.tls = tls;
  }

  /** The anonymous plain-HTTP registry shared by all tests of this JVM. */
  public static synchronized RegistryServer shared() {
    if (shared == null) {
      try {
        RegistryServer server = builder().start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "registry-server-stop"));
        shared = server;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the shared test registry", e);
      }
    }
    return shared;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code 127.0.0.1:PORT}, the registry part of image references. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT} (https when started with TLS). */
  public URI baseUri() {
    return URI.create((tls ? "https://" : "http://") + hostPort());
  }

  /** {@code 127.0.0.1:PORT/<repositoryAndTag>}. */
  public String reference(String repositoryAndTag) {
    return hostPort() + "/" + repositoryAndTag;
  }

  /** Where the registry keeps its blobs and manifests (deleted on close). */
  public Path storageDirectory() {
    return workDir.resolve("storage");
  }

  /** The registry's own log (stdout and stderr), for failure messages. */
  public String log() {
    return readLog(workDir);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteTree(workDir);
  }

  /** Options of a registry of one's own. */
  public static final class Builder {
    private String htpasswdUser;
    private String htpasswdPassword;
    private TestTls tlsFiles;
    private TokenAuth tokenAuth;
    private String proxyRemote;
    private boolean accessLog;

    /**
     * A pull-through cache of {@code remoteUrl} (distribution's proxy mode): it fetches what it
     * lacks from there, keeps it and serves it, Range included once a blob is stored. It accepts
     * no pushes.
     */
    public Builder pullThroughCacheOf(URI remoteUrl) {
      this.proxyRemote = remoteUrl.toString();
      return this;
    }

    /** Writes one access-log line per request to {@link #log()} (method, path, status). */
    public Builder accessLog() {
      this.accessLog = true;
      return this;
    }

    /** Requires HTTP basic auth with this one user (bcrypt htpasswd file). */
    public Builder htpasswd(String user, String password) {
      this.htpasswdUser = user;
      this.htpasswdPassword = password;
      return this;
    }

    /** Serves HTTPS with the server certificate of {@code tls}. */
    public Builder tls(TestTls tls) {
      this.tlsFiles = tls;
      return this;
    }

    /** Requires bearer tokens issued by a {@link TokenServer}. */
    public Builder tokenAuth(TokenServer server) {
      this.tokenAuth = new TokenAuth(server.realm().toString(), server.service(), server.issuer(), server.signingCertificate());
      return this;
    }

    public RegistryServer start() throws IOException {
      if (!Files.isExecutable(BINARY)) {
        throw new IOException(BINARY + " is missing: install Debian's docker-registry package (apt-get install docker-registry)");
      }
      IOException last = null;
      // A free port can be taken between probing and the registry's bind; try a few.
      for (int attempt = 0; attempt < 3; attempt++) {
        Path work = Files.createTempDirectory("lazypull-registry-");
        try {
          return startIn(work, freePort());
        } catch (IOException e) {
          deleteTree(work);
          last = e;
        }
      }
      throw last;
    }

    private RegistryServer startIn(Path work, int port) throws IOException {
      Path storage = Files.createDirectories(work.resolve("storage"));
      List<String> yaml = new ArrayList<>(List.of(
          "version: 0.1",
          "log:",
          "  level: warn",
          "  accesslog:",
          "    disabled: " + !accessLog,
          "storage:",
          "  filesystem:",
          "    rootdirectory: " + storage,
          "  delete:",
          "    enabled: true",
          "  maintenance:",
          "    uploadpurging:",
          "      enabled: false",
          "http:",
          "  addr: 127.0.0.1:" + port,
          "  secret: " + UUID.randomUUID()));
      if (tlsFiles != null) {
        yaml.addAll(List.of("  tls:", "    certificate: " + tlsFiles.serverCertificate(), "    key: " + tlsFiles.serverKey()));
      }
      if (proxyRemote != null) {
        yaml.addAll(List.of("proxy:", "  remoteurl: " + proxyRemote));
      }
      if (htpasswdUser != null && tokenAuth != null) {
        throw new IllegalStateException("choose htpasswd or token auth, not both");
      }
      if (htpasswdUser != null) {
        Path htpasswd = work.resolve("htpasswd");
        Files.writeString(htpasswd, htpasswdUser + ":" + Bcrypt.hash(htpasswdPassword) + "\n");
        yaml.addAll(List.of("auth:", "  htpasswd:", "    realm: lazypull-test", "    path: " + htpasswd));
      }
      if (tokenAuth != null) {
        yaml.addAll(List.of("auth:", "  token:",
            "    realm: " + tokenAuth.realm(),
            "    service: " + tokenAuth.service(),
            "    issuer: " + tokenAuth.issuer(),
            "    rootcertbundle: " + tokenAuth.rootCertBundle()));
      }
      Path config = work.resolve("config.yml");
      Files.write(config, yaml, StandardCharsets.UTF_8);
      Path logFile = work.resolve("registry.log");
      Process process = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
          .redirectErrorStream(true)
          .redirectOutput(logFile.toFile())
          .start();
      RegistryServer server = new RegistryServer(process, work, port, tlsFiles != null);
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IOException("docker-registry exited with " + process.exitValue() + ":\n" + readLog(work));
        }
        if (listening(port)) {
          return server;
        }
        try {
          // Polling a readiness condition, not a synchronisation sleep.
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      process.destroyForcibly();
      throw new IOException("docker-registry did not listen on " + port + " within " + START_TIMEOUT + ":\n" + readLog(work));
    }
  }

  private record TokenAuth(String realm, String service, String issuer, Path rootCertBundle) {}

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String readLog(Path work) {
    try {
      return Files.readString(work.resolve("registry.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a leftover temp dir is not worth failing a test for.
    }
  }
}
