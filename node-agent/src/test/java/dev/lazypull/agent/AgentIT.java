package dev.lazypull.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lazypull.agent.control.ControlClient;
import dev.lazypull.agent.control.ControlProtocol;
import dev.lazypull.agent.control.ControlReply;
import dev.lazypull.agent.control.ControlRequest;
import dev.lazypull.builder.image.ConvertOptions;
import dev.lazypull.builder.image.ImageConverter;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.testkit.images.Commands;
import dev.lazypull.testkit.images.DebianImages;
import dev.lazypull.testkit.images.Unpacker;
import dev.lazypull.testkit.registry.RegistryServer;
import dev.lazypull.testkit.tree.TreeSnapshot;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as a node runs it: started with its own root and run directory, a Debian image
 * converted into a real registry and mounted through the control socket with real FUSE; the
 * mounted tree equals umoci's extraction; malformed requests are answered with errors and the
 * agent goes on serving.
 */
class AgentIT {
  private static final String REPO = "agent/debian";
  @TempDir static Path work;
  private static Path bundles;
  private static String minbase;
  private static Agent agent;
  private static AgentPaths paths;

  @BeforeAll
  static void startAgent() throws IOException {
    DebianImages images = DebianImages.get();
    bundles = Files.createTempDirectory("lazypull-agent-it");
    minbase = RegistryServer.shared().reference(REPO + ":" + DebianImages.MINBASE);
    try (ImageStore target = ImageStores.open(minbase, RegistryOptions.defaults());
        OciLayoutStore source = OciLayoutStore.open(images.layout())) {
      Files.createDirectories(work.resolve("convert"));
      new ImageConverter(source, target, ConvertOptions.defaults().withWorkDir(work.resolve("convert")), Progress.silent())
          .convert(DebianImages.MINBASE, DebianImages.MINBASE);
    }
    paths = new AgentPaths(work.resolve("root"), work.resolve("run"));
    agent = Agent.start(new AgentConfig(paths, 1L << 30, 64L << 20, new java.net.InetSocketAddress("127.0.0.1", 0), false,
        RegistryOptions.defaults()));
  }

  @AfterAll
  static void stop() throws IOException {
    if (agent != null) {
      agent.close();
    }
    if (bundles != null) {
      Commands.run(120, "rm", "-rf", bundles.toString());
    }
  }

  private static JsonNode ok(ControlRequest request) throws IOException {
    ControlReply reply = ControlClient.send(paths.controlSocket(), request);
    assertThat(reply).as("%s", request).isInstanceOf(ControlReply.Ok.class);
    return ((ControlReply.Ok) reply).result();
  }

  private static String error(ControlRequest request) throws IOException {
    ControlReply reply = ControlClient.send(paths.controlSocket(), request);
    assertThat(reply).as("%s", request).isInstanceOf(ControlReply.Error.class);
    return ((ControlReply.Error) reply).message();
  }

  /** Sends raw bytes as a request and returns the agent's reply line (or null when it just closed). */
  private static String raw(byte[] request) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(paths.controlSocket()));
      ByteBuffer b = ByteBuffer.wrap(request);
      try {
        while (b.hasRemaining()) {
          ch.write(b);
        }
      } catch (IOException brokenPipe) {
        // The agent refused the request before its end and closed; its reply is already here.
      }
      try {
        return ControlProtocol.readLine(ch, ControlProtocol.MAX_REPLY_BYTES);
      } catch (java.io.EOFException | dev.lazypull.agent.control.ControlProtocolException e) {
        return null;
      }
    }
  }

  private static String metrics() throws IOException, InterruptedException {
    var uri = java.net.URI.create("http://127.0.0.1:" + agent.metricsAddress().getPort() + "/metrics");
    try (var http = java.net.http.HttpClient.newHttpClient()) {
      var response = http.send(java.net.http.HttpRequest.newBuilder(uri).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      return response.body();
    }
  }

  /** The value of {@code name} with a label set containing {@code label} in a Prometheus exposition; 0 when absent. */
  private static double sample(String exposition, String name, String label) {
    return exposition.lines()
        .filter(l -> l.startsWith(name + "{") && l.contains(label))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst().orElse(0);
  }

  @Test
  void theWarmUpRunsAPullsPathsOnItsOwnImageAndLeavesNothingBehind() throws Exception {
    var result = agent.warmedUp().get(120, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(result.rounds()).hasSize(3);
    assertThat(result.mounted()).as("mounted and read through FUSE").isTrue();
    assertThat(paths.root().resolve("warm-up")).doesNotExist();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(paths.root().resolve("warm-up").toString());
    // nothing of it in the node's records: a restart has nothing to take back
    try (dev.lazypull.agent.mounts.MountRecords records = dev.lazypull.agent.mounts.MountRecords.open(paths.mountDatabase())) {
      assertThat(records.all(new java.util.ArrayList<>())).noneMatch(r -> r.image().contains("warm-up"));
    }
  }

  @Test
  void socketsAndDirectoriesAreTheOwnersOnly() throws IOException {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.runDir()))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.root()))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.controlSocket()))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.containerdSocket()))).isEqualTo("rw-------");
  }

  @Test
  void aSecondAgentOnTheSameRunDirectoryIsRefused() {
    AgentConfig again = new AgentConfig(paths, 1L << 30, 0, null, false, RegistryOptions.defaults());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Agent.start(again))
        .isInstanceOf(Agent.AlreadyRunningException.class)
        .hasMessageContaining("already serves " + paths.runDir());
  }

  @Test
  void backgroundFetchBringsTheWholeImageUnlessTheAgentTurnsItOff() throws Exception {
    Path on = Files.createDirectories(work.resolve("mnt-background-on"));
    Path off = Files.createDirectories(work.resolve("mnt-background-off"));
    // Two agents of their own, so that each starts from an empty cache.
    AgentPaths eagerPaths = new AgentPaths(work.resolve("root-eager"), work.resolve("run-eager"));
    AgentPaths quietPaths = new AgentPaths(work.resolve("root-quiet"), work.resolve("run-quiet"));
    try (Agent eager = Agent.start(new AgentConfig(eagerPaths, 1L << 30, 64L << 20, null, false, RegistryOptions.defaults()));
        Agent quiet = Agent.start(new AgentConfig(quietPaths, 1L << 30, 64L << 20, null, false, RegistryOptions.defaults(),
            IndexBudget.DEFAULT_MAX_BYTES, false))) {
      assertThat(ControlClient.send(eagerPaths.controlSocket(), new ControlRequest.Mount(minbase, on, List.of(), null, true, true)))
          .isInstanceOf(ControlReply.Ok.class);
      ControlReply mounted = ControlClient.send(quietPaths.controlSocket(), new ControlRequest.Mount(minbase, off, List.of(), null, true, true));
      assertThat(mounted).isInstanceOf(ControlReply.Ok.class);
      try {
        // The default agent fetches the rest of the image without a single read.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
        JsonNode stats;
        do {
          Thread.sleep(200);
          stats = ((ControlReply.Ok) ControlClient.send(eagerPaths.controlSocket(), new ControlRequest.Stats(on))).result();
        } while (stats.get("localBytes").asLong() < stats.get("imageBytes").asLong() && System.nanoTime() < deadline);
        assertThat(stats.get("localBytes").asLong()).isEqualTo(stats.get("imageBytes").asLong()).isPositive();
        assertThat(stats.get("backgroundBytes").asLong()).isPositive();
        // The agent started with background fetch off ignores the mount's wish for it.
        ControlReply quietStats = ControlClient.send(quietPaths.controlSocket(), new ControlRequest.Stats(off));
        JsonNode q = ((ControlReply.Ok) quietStats).result();
        assertThat(q.get("backgroundBytes").asLong()).isZero();
        assertThat(q.get("bytesFetched").asLong()).as("nothing fetched without a read").isZero();
      } finally {
        ControlClient.send(eagerPaths.controlSocket(), new ControlRequest.Umount(on));
        ControlClient.send(quietPaths.controlSocket(), new ControlRequest.Umount(off));
      }
    }
  }

  @Test
  void mountsThroughTheControlSocketServeTheImageAndGoOnUmount() throws Exception {
    Path expected = Unpacker.unpack(DebianImages.get().layout(), DebianImages.MINBASE, bundles.resolve("minbase"));
    Path dir = Files.createDirectories(work.resolve("mnt-minbase"));
    JsonNode mounted = ok(new ControlRequest.Mount(minbase, dir, List.of(), null));
    assertThat(mounted.get("mountPoint").asText()).isEqualTo(dir.toRealPath().toString());
    assertThat(mounted.get("manifest").asText()).startsWith("sha256:");
    try {
      assertThat(ok(new ControlRequest.ListMounts())).hasSize(1);
      assertThat(error(new ControlRequest.Mount(minbase, dir, List.of(), null))).contains("already mounted");

      String before = metrics();
      TreeSnapshot.of(dir).assertSameAs(TreeSnapshot.of(expected), "minbase mounted by the agent vs umoci extraction");
      String after = metrics();
      String mount = "mount=\"" + dir.toRealPath() + "\"";
      assertThat(after).contains("lazypull_mounts 1.0");
      assertThat(sample(after, "lazypull_bytes_fetched_total", mount)).isGreaterThan(sample(before, "lazypull_bytes_fetched_total", mount));
      assertThat(sample(after, "lazypull_range_requests_total", mount)).isPositive();
      // Background fetch goes on meanwhile, so counters read apart differ; each must have moved.
      assertThat(sample(after, "lazypull_fetch_latency_seconds_count", mount)).isPositive();
      assertThat(sample(after, "lazypull_read_latency_seconds_count", mount)).isPositive();
      assertThat(after).contains("lazypull_fetch_latency_seconds_bucket{").contains(",le=\"").contains("lazypull_cache_hit_ratio")
          .contains("lazypull_disk_evictions_total{mount=\"node\"}").contains("lazypull_verification_failures_total");

      JsonNode stats = ok(new ControlRequest.Stats(dir));
      assertThat(stats.get("bytesFetched").asLong()).isPositive();
      assertThat(stats.get("rangeRequests").asLong()).isPositive();
      assertThat(stats.get("readErrors").asLong()).isZero();
      assertThat(stats.get("verificationFailures").asLong()).isZero();
      // stats --json and /metrics read the same counters: read later, the metric is at least as far.
      assertThat(sample(metrics(), "lazypull_bytes_fetched_total", mount)).isGreaterThanOrEqualTo(stats.get("bytesFetched").asDouble());
      JsonNode node = ok(new ControlRequest.Stats(null));
      assertThat(node.get("mounts").asInt()).isEqualTo(1);
      assertThat(node.get("bytesFetched").asLong()).isGreaterThanOrEqualTo(stats.get("bytesFetched").asLong());
    } finally {
      ok(new ControlRequest.Umount(dir));
    }
    assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(dir.toString());
    assertThat(ok(new ControlRequest.ListMounts())).isEmpty();
    assertThat(metrics()).contains("lazypull_mounts 0.0").doesNotContain(dir.toRealPath().toString());
    assertThat(error(new ControlRequest.Umount(dir))).contains("not a lazypull mount");
    assertThat(error(new ControlRequest.Stats(dir))).contains("not a lazypull mount");
  }

  @Test
  void badMountsFailWithTheirReasonAndLeaveNothingMounted() throws Exception {
    Path dir = Files.createDirectories(work.resolve("mnt-bad"));
    assertThat(error(new ControlRequest.Mount("127.0.0.1:9/nothing:here", dir, List.of(), null))).contains("127.0.0.1:9");
    assertThat(error(new ControlRequest.Mount(minbase, work.resolve("missing"), List.of(), null))).contains("does not exist");
    assertThat(error(new ControlRequest.Mount("Not A Reference", dir, List.of(), null))).isNotBlank();
    assertThat(ok(new ControlRequest.ListMounts())).isEmpty();
    assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(dir.toString());
  }

  @Test
  void malformedRequestsGetErrorsAndTheAgentGoesOnServing() throws Exception {
    for (String bad : List.of("hello\n", "{\"op\":\"rm\",\"mountPoint\":\"/\"}\n", "{\"op\":\"mount\",\"image\":\"x\",\"mountPoint\":\"rel\"}\n",
        "[1,2,3]\n", "{\"op\":\"list\",\"extra\":1}\n")) {
      String reply = raw(bad.getBytes(StandardCharsets.UTF_8));
      assertThat(reply).as(bad).contains("\"ok\":false").contains("malformed request");
    }
    byte[] huge = new byte[ControlProtocol.MAX_REQUEST_BYTES * 4];
    java.util.Arrays.fill(huge, (byte) '{');
    String tooLong = raw(huge);
    assertThat(tooLong).contains("\"ok\":false").contains("longer than");
    assertThat(raw(new byte[] {(byte) 0xff, (byte) 0xfe, '\n'})).contains("UTF-8");
    // A client that connects and goes away without a line.
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(paths.controlSocket()));
      ch.write(ByteBuffer.wrap("{\"op\":".getBytes(StandardCharsets.UTF_8)));
    }
    assertThat(ok(new ControlRequest.ListMounts())).isEmpty();
  }
}
