package dev.lazypull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.builder.overlay.spec.AddSpec;
import dev.lazypull.builder.overlay.spec.BuildSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BuildCommandTest {
  @TempDir Path tmp;

  private static BuildSpec parse(String... args) {
    BuildCommand c = new BuildCommand();
    new CommandLine(c).parseArgs(args);
    return c.specs().getFirst();
  }

  @Test
  void optionsMakeOneSpec() {
    BuildSpec s = parse("--from", "reg/base:1", "--to", "localhost:5000/team/app", "--add", "/src:/app",
        "--env", "A=1", "--env", "B=x=y", "--workdir", "/app", "--entrypoint", "[\"python\",\"-m\",\"app\"]",
        "--cmd", "--port 80", "--user", "1000", "--label", "team=ml", "--tag", "latest");
    assertThat(s.name()).isEqualTo("app");
    assertThat(s.adds()).containsExactly(new AddSpec(Path.of("/src"), "/app"));
    assertThat(s.env()).containsExactly(Map.entry("A", "1"), Map.entry("B", "x=y"));
    assertThat(s.entrypoint()).containsExactly("python", "-m", "app");
    assertThat(s.cmd()).containsExactly("--port", "80");
    assertThat(s.labels()).containsEntry("team", "ml");
    assertThat(s.extraTags()).isEqualTo(List.of("latest"));
    assertThat(parse("--from", "b", "--to", "r/x", "--name", "y").name()).isEqualTo("y");
  }

  @Test
  void badInputExitsTwoWithTheReason() throws Exception {
    CliRun r = CliRun.lazypull("build", "--to", "r/x");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("give --from BASE and --to REPO");

    Path spec = Files.writeString(tmp.resolve("spec.yaml"), """
        images:
          a: {base: b, to: r/a, apt: [curl]}
        """);
    r = CliRun.lazypull("build", "--spec", spec.toString(), "a");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("spec.yaml:2: image 'a': 'apt' is not supported yet");
    assertThat(r.out()).isEmpty();

    r = CliRun.lazypull("build", "--spec", spec.toString(), "b");
    assertThat(r.err()).contains("has no image 'b' (it has: a)");
    r = CliRun.lazypull("build", "--spec", spec.toString(), "--from", "x", "a");
    assertThat(r.err()).contains("do not combine it with --from");
    r = CliRun.lazypull("build", "--from", "b", "--to", "localhost:5000/r/x:v1", "--add", "/src:/app");
    assertThat(r.err()).contains("names a tag; give the repository only");
    r = CliRun.lazypull("build", "--from", "b", "--to", "r/x", "--add", "src");
    assertThat(r.err()).contains("'src' has no destination");
  }
}
