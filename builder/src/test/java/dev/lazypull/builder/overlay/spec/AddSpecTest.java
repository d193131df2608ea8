package dev.lazypull.builder.overlay.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AddSpecTest {
  private static final Path CWD = Path.of("/work/repo");

  @Test
  void splitsAtTheLastColonBeforeAnAbsolutePath() {
    assertThat(AddSpec.parse("src:/app", CWD, null)).isEqualTo(new AddSpec(Path.of("/work/repo/src"), "/app"));
    assertThat(AddSpec.parse("a:b:/opt/x", CWD, null)).isEqualTo(new AddSpec(Path.of("/work/repo/a:b"), "/opt/x"));
    assertThat(AddSpec.parse("/abs/file", CWD, "/w")).isEqualTo(new AddSpec(Path.of("/abs/file"), "/w"));
  }

  @Test
  void rejectsMissingOrRelativeDestinations() {
    assertThatThrownBy(() -> AddSpec.parse("src", CWD, null)).hasMessageContaining("has no destination");
    assertThatThrownBy(() -> AddSpec.parse(":/app", CWD, null)).hasMessageContaining("source before ':' is empty");
    assertThatThrownBy(() -> new AddSpec(CWD, "app")).hasMessageContaining("absolute path");
  }

  @Test
  void defaultNameIsTheRepositorysLastElement() {
    assertThat(BuildSpec.defaultName("localhost:5000/team/app")).isEqualTo("app");
    assertThat(BuildSpec.defaultName("app")).isEqualTo("app");
    assertThat(BuildSpec.defaultName("oci:/tmp/layout")).isEqualTo("layout");
  }

  @Test
  void specRejectsBadSettings() {
    assertThatThrownBy(() -> new BuildSpec("n", "b", "r@sha256:x", List.of(), null, Map.of(), null, null, null, null, Map.of(), List.of()))
        .hasMessageContaining("must not carry a digest");
    assertThatThrownBy(() -> new BuildSpec("n", "b", "r", List.of(), null, Map.of("A=B", "c"), null, null, null, null, Map.of(), List.of()))
        .hasMessageContaining("environment variable name 'A=B'");
    assertThatThrownBy(() -> new BuildSpec("n", "b", "r", List.of(), null, Map.of(), "rel", null, null, null, Map.of(), List.of()))
        .hasMessageContaining("workdir must be an absolute path");
    assertThatThrownBy(() -> new BuildSpec("n", "b", "r", List.of(), null, Map.of(), null, null, null, null, Map.of(), List.of("a b")))
        .hasMessageContaining("'a b' is not a valid tag");
    assertThatThrownBy(() -> new BuildSpec("n", "", "r", List.of(), null, Map.of(), null, null, null, null, Map.of(), List.of()))
        .hasMessageContaining("no base image given");
  }
}
