package dev.lazypull.builder.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.builder.overlay.files.AddedFile;
import dev.lazypull.builder.overlay.spec.BuildSpec;
import dev.lazypull.oci.Digest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildHashTest {
  private static final Digest BASE = Digest.sha256("base".getBytes());

  private static BuildSpec spec(Map<String, String> env, List<String> cmd, String repo) {
    return new BuildSpec("app", "reg/base:1", repo, List.of(), null, env, "/app", null, cmd, null, Map.of(), List.of());
  }

  private static List<AddedFile> files(String content, Path source) {
    return List.of(
        new AddedFile.Directory("app"),
        new AddedFile.RegularFile("app/main.py", 0644, content.length(), Digest.sha256(content.getBytes()), source),
        new AddedFile.Symlink("app/link", "main.py"));
  }

  private static Digest hash(BuildSpec spec, List<AddedFile> files) {
    return BuildHash.compute(spec, BASE, files, 0, "format=1");
  }

  @Test
  void dependsOnlyOnWhatEndsUpInTheImage() {
    BuildSpec s = spec(Map.of("A", "1"), List.of("python", "main.py"), "reg/app");
    Digest h = hash(s, files("x", Path.of("/a/main.py")));
    assertThat(hash(spec(Map.of("A", "1"), List.of("python", "main.py"), "other/repo"), files("x", Path.of("/elsewhere/main.py"))))
        .as("source location and target repository do not matter").isEqualTo(h);
    // Pinned: any machine and any future version of this code must give the same hash.
    assertThat(h.hex()).isEqualTo(GOLDEN);
    assertThat(BuildHash.tag("app", h)).isEqualTo("app-" + GOLDEN.substring(0, 20));
  }

  private static final String GOLDEN = "b2708047b223bd6f2c960314a03b49ae597577890d0693f77119376da2f9623d";

  @Test
  void everyInputChangesTheHash() {
    BuildSpec s = spec(Map.of("A", "1"), List.of("run"), "r");
    Digest h = hash(s, files("x", null));
    assertThat(hash(spec(Map.of("A", "2"), List.of("run"), "r"), files("x", null))).isNotEqualTo(h);
    assertThat(hash(spec(Map.of("A", "1"), List.of("run", ""), "r"), files("x", null))).isNotEqualTo(h);
    assertThat(hash(spec(Map.of("A", "1"), null, "r"), files("x", null))).isNotEqualTo(h);
    assertThat(hash(s, files("y", null))).isNotEqualTo(h);
    assertThat(BuildHash.compute(s, Digest.sha256("other".getBytes()), files("x", null), 0, "format=1")).isNotEqualTo(h);
    assertThat(BuildHash.compute(s, BASE, files("x", null), 1, "format=1")).isNotEqualTo(h);
    assertThat(BuildHash.compute(s, BASE, files("x", null), 0, "format=2")).isNotEqualTo(h);
    Digest recorded = hash(s.withRecord(List.of("python3 -c 'import numpy'")), files("x", null));
    assertThat(recorded).as("a recorded start-up is part of the image").isNotEqualTo(h);
    assertThat(hash(s.withRecord(List.of("bash -c true")), files("x", null))).isNotEqualTo(recorded);
    List<AddedFile> exec = List.of(new AddedFile.Directory("app"),
        new AddedFile.RegularFile("app/main.py", 0755, 1, Digest.sha256("x".getBytes()), null), new AddedFile.Symlink("app/link", "main.py"));
    assertThat(hash(s, exec)).isNotEqualTo(h);
    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("A", "1");
    ab.put("B", "2");
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("B", "2");
    ba.put("A", "1");
    assertThat(hash(spec(ab, null, "r"), List.of())).as("env order is kept in the config, so it counts").isNotEqualTo(hash(spec(ba, null, "r"), List.of()));
  }
}
