package dev.lazypull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.CredentialSource;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** {@code lazypull build} against a real registry (Debian's docker-registry on loopback). */
class BuildCommandIT {
  static final RegistryOptions OPTIONS = RegistryOptions.defaults().withCredentials(CredentialSource.none());
  private final RegistryServer registry = RegistryServer.shared();
  @TempDir Path tmp;
  private Path src;
  private String repo;

  @BeforeEach
  void setUp(TestInfo info) throws IOException {
    repo = "it-build/" + info.getTestMethod().orElseThrow().getName().toLowerCase();
    src = Files.createDirectories(tmp.resolve("src"));
    Files.writeString(src.resolve("main.py"), "import sys\nprint('hello from', sys.argv)\n");
    Files.createDirectories(src.resolve("pkg"));
    Files.writeString(src.resolve("pkg/util.py"), "X = 1\n");
  }

  /** A lazy image with one layer of files, built by lazypull itself on an empty lazy image. */
  private String lazyBase() throws IOException {
    String baseRepo = registry.reference(repo + "-base");
    try (ImageStore store = ImageStores.open(baseRepo, OPTIONS)) {
      byte[] config = """
          {"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin"]},"rootfs":{"type":"layers","diff_ids":[]}}"""
          .getBytes(StandardCharsets.UTF_8);
      Digest configDigest = Digest.sha256(config);
      store.putBlob(configDigest, config);
      ImageManifest m = new ImageManifest(MediaTypes.OCI_MANIFEST, null, new Descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length),
          List.of(), null, Map.of(LazyAnnotations.FORMAT_VERSION, LazyAnnotations.VERSION));
      store.putManifest("empty", MediaTypes.OCI_MANIFEST, OciJson.write(m));
    }
    Path baseFiles = Files.createDirectories(tmp.resolve("basefiles"));
    Files.writeString(baseFiles.resolve("os-release"), "NAME=test\n");
    CliRun r = CliRun.lazypull("build", "--from", baseRepo + ":empty", "--to", baseRepo, "--add", baseFiles + ":/etc", "--tag", "v1");
    assertThat(r.exit()).as(r.err()).isZero();
    return baseRepo + ":v1";
  }

  private String[] args(String base, String... extra) {
    List<String> a = new ArrayList<>(List.of("build", "--from", base, "--to", registry.reference(repo),
        "--add", src + ":/app", "--workdir", "/app", "--env", "PYTHONPATH=/app", "--entrypoint", "python3 main.py", "--json"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  /** Every blob the registry holds, and every blob and manifest linked into any repository. */
  private Set<String> stored() throws IOException {
    try (Stream<Path> s = Files.walk(registry.storageDirectory())) {
      return s.filter(p -> p.getFileName().toString().equals("data") || p.getFileName().toString().equals("link"))
          .map(p -> registry.storageDirectory().relativize(p).toString())
          .filter(p -> !p.contains("/_uploads/") && !p.contains("/tags/"))
          .collect(Collectors.toSet());
    }
  }

  private static Set<String> blobDigests(Set<String> paths) {
    return paths.stream().filter(p -> p.contains("/blobs/sha256/")).map(p -> p.split("/")[p.split("/").length - 2])
        .collect(Collectors.toSet());
  }

  @Test
  void aSecondBuildWithTheSameInputsPushesNothingAndPrintsTheSameReference() throws IOException {
    String base = lazyBase();
    CliRun first = CliRun.lazypull(args(base));
    assertThat(first.exit()).as(first.err()).isZero();
    String name = repo.substring(repo.lastIndexOf('/') + 1);
    assertThat(first.lastLine()).matches(registry.hostPort() + "/" + repo + ":" + name + "-[0-9a-f]{20}@sha256:[0-9a-f]{64}");
    assertThat(first.summary()).contains("\"skipped\":false", "\"layers\":{\"reused\":1,\"converted\":0,\"new\":1}");
    assertThat(first.err()).as("the lazy base's layer is mounted from its repository, not uploaded").contains("mounted sha256:");

    Set<String> before = stored();
    long start = System.nanoTime();
    CliRun second = CliRun.lazypull(args(base));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(second.exit()).as(second.err()).isZero();
    assertThat(second.lastLine()).isEqualTo(first.lastLine());
    assertThat(second.summary()).contains("\"skipped\":true", "\"bytesUploaded\":0");
    assertThat(stored()).isEqualTo(before);
    assertThat(seconds).as("a no-op rebuild answers at once").isLessThan(5);
  }

  @Test
  void changingOneFileUploadsOnlyTheNewLayerConfigAndManifest() throws IOException {
    String base = lazyBase();
    CliRun first = CliRun.lazypull(args(base));
    assertThat(first.exit()).as(first.err()).isZero();
    Set<String> before = blobDigests(stored());
    Files.writeString(src.resolve("pkg/util.py"), "X = 2\n");
    CliRun second = CliRun.lazypull(args(base));
    assertThat(second.exit()).as(second.err()).isZero();
    String tag1 = first.lastLine().substring(0, first.lastLine().indexOf('@'));
    String tag2 = second.lastLine().substring(0, second.lastLine().indexOf('@'));
    assertThat(tag2).isNotEqualTo(tag1);
    try (ImageStore store = ImageStores.open(registry.reference(repo), OPTIONS)) {
      ImageManifest m = OciJson.parseManifest(store.getManifest(second.lastLine().substring(second.lastLine().indexOf('@') + 1)).bytes());
      Set<String> added = blobDigests(stored());
      added.removeAll(before);
      assertThat(added).containsExactlyInAnyOrder(
          m.layers().getLast().digest().hex(), m.config().digest().hex(),
          second.lastLine().substring(second.lastLine().indexOf("@sha256:") + 8));
      assertThat(m.layers()).hasSize(2);
    }
  }

  @Test
  void badInputIsAClearErrorAndNothingIsPushed() throws IOException {
    String base = lazyBase();
    Set<String> before = stored();
    CliRun unknownBase = CliRun.lazypull(args(registry.reference("it-build/nobody:1")));
    assertThat(unknownBase.exit()).isNotZero();
    assertThat(unknownBase.err()).contains("cannot read base image " + registry.reference("it-build/nobody:1"));
    CliRun missingFile = CliRun.lazypull(args(base, "--add", tmp.resolve("missing") + ":/x"));
    assertThat(missingFile.exit()).isEqualTo(2);
    assertThat(missingFile.err()).contains("missing does not exist");
    Path spec = Files.writeString(tmp.resolve("lazypull.yaml"), """
        images:
          ok: {base: %s, to: %s, add: ["%s:/app"]}
          pip: {base: %s, to: %s, pip: [numpy]}
        """.formatted(base, registry.reference(repo), src, base, registry.reference(repo)));
    CliRun unsupported = CliRun.lazypull("build", "--spec", spec.toString(), "ok", "pip");
    assertThat(unsupported.exit()).isEqualTo(2);
    assertThat(unsupported.err()).contains("'pip' is not supported yet");
    CliRun unknownImage = CliRun.lazypull("build", "--spec", spec.toString(), "ok", "nope");
    assertThat(unknownImage.err()).contains("has no image 'nope'");
    assertThat(stored()).as("no blob, manifest or repository link was written").isEqualTo(before);
  }

  @Test
  void anUnauthorizedTargetIsAClearErrorAndNothingIsPushed() throws Exception {
    String base = lazyBase();
    try (RegistryServer secured = RegistryServer.builder().htpasswd("ci", "secret").start()) {
      CliRun r = CliRun.lazypull("build", "--from", base, "--to", secured.reference("team/app"), "--add", src + ":/app");
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err()).containsIgnoringCase("unauthorized");
      try (Stream<Path> s = Files.walk(secured.storageDirectory())) {
        assertThat(s.filter(p -> p.getFileName().toString().equals("data")).toList()).isEmpty();
      }
    }
  }

  @Test
  void aSpecBuildsSeveralNamedImagesWithVariablesFromTheEnvironment() throws IOException {
    String base = lazyBase();
    Path spec = Files.writeString(tmp.resolve("lazypull.yaml"), """
        images:
          train: {base: "${LAZYPULL_IT_NEVER_SET}", to: %s, add: ["%s:/app"]}
          serve: {base: %s, to: %s, add: ["%s:/srv"], cmd: [python3, main.py]}
          api:   {base: %s, to: %s, add: ["%s:/srv"], cmd: [python3, main.py], name: api}
        """.formatted(registry.reference(repo), src, base, registry.reference(repo), src, base, registry.reference(repo), src));
    CliRun r = CliRun.lazypull("build", "--spec", spec.toString(), "serve", "api");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).hasSize(2);
    assertThat(r.out().get(0)).contains(":serve-");
    assertThat(r.out().get(1)).contains(":api-");
    // Same content, different names: the same manifest under two tags; train's unset variable did not matter.
    assertThat(r.out().get(0).substring(r.out().get(0).indexOf('@'))).isEqualTo(r.out().get(1).substring(r.out().get(1).indexOf('@')));
  }
}
