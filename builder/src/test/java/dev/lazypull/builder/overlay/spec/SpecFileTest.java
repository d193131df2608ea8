package dev.lazypull.builder.overlay.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.builder.overlay.BuildInputException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecFileTest {
  private static final Path FILE = Path.of("/repo/lazypull.yaml");
  private static final EnvSubstitution ENV = EnvSubstitution.of(Map.of("BASE_IMAGE", "reg.example/ml/base@sha256:" + "a".repeat(64)));

  private static SpecFile spec(String yaml) {
    return SpecFile.parse(FILE, new StringReader(yaml));
  }

  @Test
  void readsEveryNamedImageWithItsSettings() {
    SpecFile f = spec("""
        images:
          train:
            base: ${BASE_IMAGE}
            to: reg.example/ml/train
            add:
              - src:/app
              - {src: configs/prod.yaml, dest: /etc/train/}
            env: {PYTHONPATH: /app, MODE: train}
            workdir: /app
            entrypoint: [python, -m, train]
            user: "1000"
            labels: {team: ml}
            tags: [latest]
          serve:
            base: ${BASE_IMAGE}
            to: reg.example/ml/serve
            name: api
            cmd: uvicorn app:main --port 80
        """);
    assertThat(f.names()).containsExactly("train", "serve");
    List<BuildSpec> specs = f.images(List.of("train", "serve"), ENV);
    BuildSpec train = specs.get(0);
    assertThat(train.name()).isEqualTo("train");
    assertThat(train.base()).isEqualTo("reg.example/ml/base@sha256:" + "a".repeat(64));
    assertThat(train.adds()).containsExactly(
        new AddSpec(Path.of("/repo/src"), "/app"), new AddSpec(Path.of("/repo/configs/prod.yaml"), "/etc/train/"));
    assertThat(train.env()).containsExactly(Map.entry("PYTHONPATH", "/app"), Map.entry("MODE", "train"));
    assertThat(train.entrypoint()).containsExactly("python", "-m", "train");
    assertThat(train.cmd()).isNull();
    assertThat(train.user()).isEqualTo("1000");
    assertThat(train.extraTags()).containsExactly("latest");
    BuildSpec serve = specs.get(1);
    assertThat(serve.name()).isEqualTo("api");
    assertThat(serve.cmd()).containsExactly("uvicorn", "app:main", "--port", "80");
    assertThat(serve.workdir()).isNull();
  }

  @Test
  void addWithoutDestinationGoesToWorkdir() {
    BuildSpec s = spec("""
        images:
          a: {base: b, to: r/a, workdir: /w, add: [src]}
        """).image("a", ENV);
    assertThat(s.adds()).containsExactly(new AddSpec(Path.of("/repo/src"), "/w"));
  }

  @Test
  void recordTakesTrueACommandOrAList() {
    SpecFile f = spec("""
        images:
          none: {base: b, to: r/a}
          image: {base: b, to: r/a, record: true}
          one: {base: b, to: r/a, record: "python3 -c 'import numpy'"}
          many: {base: b, to: r/a, record: [bash -c true, python3 -V]}
          empty: {base: b, to: r/a, record: [""]}
        """);
    assertThat(f.image("none", ENV).record()).isEmpty();
    assertThat(f.image("image", ENV).record()).containsExactly(BuildSpec.RECORD_IMAGE_COMMAND);
    assertThat(f.image("one", ENV).record()).containsExactly("python3 -c 'import numpy'");
    assertThat(f.image("many", ENV).record()).containsExactly("bash -c true", "python3 -V");
    assertThatThrownBy(() -> f.image("empty", ENV)).isInstanceOf(BuildInputException.class)
        .hasMessageContaining("'record' entry is empty");
  }

  @Test
  void rejectsRunStepsAsNotSupportedYet() {
    SpecFile f = spec("""
        images:
          ok: {base: b, to: r/ok}
          a:
            base: b
            to: r/a
            pip: [numpy]
        """);
    assertThatThrownBy(() -> f.images(List.of("ok", "a"), ENV))
        .isInstanceOf(BuildInputException.class)
        .hasMessageContaining("lazypull.yaml:6")
        .hasMessageContaining("'pip' is not supported yet");
    assertThat(f.image("ok", ENV).repository()).isEqualTo("r/ok");
  }

  @Test
  void unknownImageListsTheKnownOnes() {
    assertThatThrownBy(() -> spec("images: {a: {base: b, to: r/a}}").images(List.of("x"), ENV))
        .isInstanceOf(BuildInputException.class)
        .hasMessageContaining("no image 'x'")
        .hasMessageContaining("(it has: a)");
  }

  @Test
  void unsetVariableIsNamedWithItsLine() {
    SpecFile f = spec("""
        images:
          a:
            base: ${NOPE}
            to: r/a
        """);
    assertThatThrownBy(() -> f.image("a", ENV))
        .hasMessageContaining("lazypull.yaml:3")
        .hasMessageContaining("${NOPE} is not set in the environment");
  }

  @Test
  void unknownKeysAndDuplicatesAndMissingSettingsAreErrors() {
    assertThatThrownBy(() -> spec("images: {a: {base: b, to: r/a, wokdir: /x}}").image("a", ENV))
        .hasMessageContaining("unknown key 'wokdir'");
    assertThatThrownBy(() -> spec("images:\n  a: {base: b, to: r/a}\n  a: {base: c, to: r/a}\n"))
        .hasMessageContaining(":3: key 'a' appears twice");
    assertThatThrownBy(() -> spec("images: {a: {to: r/a}}").image("a", ENV)).hasMessageContaining("'base' (the base image) is missing");
    assertThatThrownBy(() -> spec("images: {a: {base: b, to: r/a, add: [src]}}").image("a", ENV))
        .hasMessageContaining("has no destination");
    assertThatThrownBy(() -> spec("images: {a: {base: b, to: r/a, name: -x}}").image("a", ENV))
        .hasMessageContaining("name '-x' cannot start a tag");
    assertThatThrownBy(() -> spec("images: [a]")).hasMessageContaining("'images' must be a mapping");
    assertThatThrownBy(() -> spec("images: {a: {base: b, to: r/a}}\nextra: 1")).hasMessageContaining("unknown top-level key 'extra'");
    assertThatThrownBy(() -> spec("images: {a: [")).hasMessageContaining("not valid YAML");
  }
}
