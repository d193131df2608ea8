package dev.lazypull.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.oci.Digest;
import dev.lazypull.registry.ImageRef.LayoutRef;
import dev.lazypull.registry.ImageRef.RegistryRef;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ImageRefTest {
  private static final String HEX = "a".repeat(64);

  @Test
  void shortNamesNormaliseToDockerHubLibrary() {
    assertThat(ImageRef.parse("ubuntu")).hasToString("docker.io/library/ubuntu:latest");
    assertThat(ImageRef.parse("docker.io/ubuntu")).hasToString("docker.io/library/ubuntu:latest");
    assertThat(ImageRef.parse("index.docker.io/library/ubuntu:22.04")).hasToString("docker.io/library/ubuntu:22.04");
    RegistryRef ref = (RegistryRef) ImageRef.parse("bitnami/redis:7");
    assertThat(ref.registry()).isEqualTo("docker.io");
    assertThat(ref.endpoint()).isEqualTo("registry-1.docker.io");
    assertThat(ref.repository()).isEqualTo("bitnami/redis");
  }

  @Test
  void hostPortRepositoryTagAndDigest() {
    RegistryRef ref = (RegistryRef) ImageRef.parse("127.0.0.1:5000/a/b:v1");
    assertThat(ref).isEqualTo(new RegistryRef("127.0.0.1:5000", "a/b", "v1", null));
    assertThat(ref.reference()).isEqualTo("v1");

    RegistryRef byDigest = (RegistryRef) ImageRef.parse("localhost:5000/x@sha256:" + HEX);
    assertThat(byDigest.tag()).isNull();
    assertThat(byDigest.digest()).isEqualTo(new Digest(HEX));
    assertThat(byDigest.reference()).isEqualTo("sha256:" + HEX);
    assertThat(byDigest).hasToString("localhost:5000/x@sha256:" + HEX);

    RegistryRef both = (RegistryRef) ImageRef.parse("localhost:5000/x:t@sha256:" + HEX);
    assertThat(both.tag()).isEqualTo("t");
    assertThat(both.reference()).isEqualTo("sha256:" + HEX);
  }

  @Test
  void layoutReferences() {
    assertThat(ImageRef.parse("oci:/tmp/img")).isEqualTo(new LayoutRef(Path.of("/tmp/img"), null));
    assertThat(ImageRef.parse("oci:/tmp/img:v2")).isEqualTo(new LayoutRef(Path.of("/tmp/img"), "v2"));
    assertThat(ImageRef.parse("oci:rel/dir:tag")).isEqualTo(new LayoutRef(Path.of("rel/dir"), "tag"));
    // A colon followed by a path separator belongs to the directory.
    assertThat(ImageRef.parse("oci:/a:b/c")).isEqualTo(new LayoutRef(Path.of("/a:b/c"), null));
  }

  @Test
  void badReferencesSayWhatIsWrong() {
    assertThatThrownBy(() -> ImageRef.parse("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> ImageRef.parse("UPPER/x")).hasMessageContaining("UPPER/x");
    assertThatThrownBy(() -> ImageRef.parse("a b")).hasMessageContaining("'a b'");
    assertThatThrownBy(() -> ImageRef.parse("x@sha256:abc")).hasMessageContaining("x@sha256:abc");
    assertThatThrownBy(() -> ImageRef.parse("oci:")).hasMessageContaining("without a directory");
    assertThatThrownBy(() -> ImageRef.parse("oci:/d:")).hasMessageContaining("empty tag");
  }

  @Property(tries = 300)
  void printedReferencesParseBackToThemselves(@ForAll("registryRefs") RegistryRef ref) {
    ImageRef parsed = ImageRef.parse(ref.toString());
    assertThat(parsed).isEqualTo(ref);
    assertThat(ImageRef.parse(parsed.toString())).isEqualTo(parsed);
  }

  @Property(tries = 300)
  void hubShortFormsNormaliseToTheLongForm(@ForAll("components") String name, @ForAll("tags") String tag) {
    ImageRef shortForm = ImageRef.parse(name + ":" + tag);
    assertThat(shortForm).isEqualTo(ImageRef.parse("docker.io/library/" + name + ":" + tag));
    assertThat(ImageRef.parse(name)).isEqualTo(ImageRef.parse("docker.io/library/" + name + ":latest"));
  }

  @Property(tries = 300)
  void layoutReferencesRoundTrip(@ForAll("components") String dir, @ForAll("tags") String tag, @ForAll @IntRange(max = 3) int depth) {
    String path = "/" + (dir + "/").repeat(depth) + dir;
    assertThat(ImageRef.parse("oci:" + path + ":" + tag)).isEqualTo(new LayoutRef(Path.of(path), tag));
    assertThat(ImageRef.parse(ImageRef.parse("oci:" + path).toString())).isEqualTo(new LayoutRef(Path.of(path), null));
  }

  @Property(tries = 300)
  void uppercaseRepositoriesAreRejected(@ForAll("components") String name) {
    String upper = name.toUpperCase();
    if (!upper.equals(name)) {
      assertThatThrownBy(() -> ImageRef.parse("localhost:5000/" + upper)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Provide
  Arbitrary<RegistryRef> registryRefs() {
    Arbitrary<String> registry = Arbitraries.oneOf(
        Arbitraries.of("docker.io", "localhost", "ghcr.io", "registry.example.com"),
        Arbitraries.integers().between(1, 65535).map(p -> "127.0.0.1:" + p),
        Arbitraries.integers().between(1, 65535).map(p -> "localhost:" + p));
    Arbitrary<String> repository = components().list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("/", l));
    Arbitrary<Digest> digest = Arbitraries.strings().withChars("0123456789abcdef").ofLength(64).map(Digest::new).injectNull(0.5);
    return Combinators.combine(registry, repository, tags().injectNull(0.3), digest)
        .as((r, repo, tag, d) -> {
          if (r.equals("docker.io") && !repo.contains("/")) {
            repo = "library/" + repo;
          }
          return new RegistryRef(r, repo, tag, d);
        });
  }

  @Provide
  Arbitrary<String> components() {
    Arbitrary<String> word = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789").ofMinLength(1).ofMaxLength(8);
    Arbitrary<String> sep = Arbitraries.of(".", "_", "__", "-", "--");
    return Combinators.combine(word, sep, word).as((a, s, b) -> a + s + b).injectDuplicates(0.1)
        .flatMap(joined -> Arbitraries.of(joined, joined.replaceAll("[._-]+.*", "")));
  }

  @Provide
  Arbitrary<String> tags() {
    return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-").ofMinLength(1).ofMaxLength(20)
        .filter(t -> Character.isLetterOrDigit(t.charAt(0)) || t.charAt(0) == '_');
  }
}
