package dev.lazypull.builder.overlay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lazypull.builder.overlay.spec.BuildSpec;
import dev.lazypull.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigOverlayTest {
  private static final String BASE = """
      {"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z",
       "config":{"Env":["PATH=/usr/bin","LANG=C"],"Cmd":["bash"],"Labels":{"a":"1"}},
       "rootfs":{"type":"layers","diff_ids":["sha256:%s"]},
       "history":[{"created_by":"debootstrap"}]}""".formatted("1".repeat(64));
  private static final Digest ADDED = Digest.sha256("layer".getBytes());

  private static JsonNode overlay(BuildSpec spec) throws Exception {
    return new ObjectMapper().readTree(ConfigOverlay.apply(BASE.getBytes(StandardCharsets.UTF_8), spec, ADDED, 0, "app-1"));
  }

  private static BuildSpec spec(Map<String, String> env, List<String> entrypoint, List<String> cmd) {
    return new BuildSpec("app", "b", "r", List.of(), null, env, "/app", entrypoint, cmd, "1000", Map.of("b", "2"), List.of());
  }

  @Test
  void laysSettingsOverTheBaseAndExtendsRootfsAndHistory() throws Exception {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("LANG", "C.UTF-8");
    env.put("PYTHONPATH", "/app");
    JsonNode c = overlay(spec(env, List.of("python", "-m", "app"), null));
    assertThat(c.get("architecture").asText()).isEqualTo("amd64");
    assertThat(c.get("created").asText()).isEqualTo("1970-01-01T00:00:00Z");
    assertThat(c.at("/config/Env").toString()).isEqualTo("[\"PATH=/usr/bin\",\"LANG=C.UTF-8\",\"PYTHONPATH=/app\"]");
    assertThat(c.at("/config/WorkingDir").asText()).isEqualTo("/app");
    assertThat(c.at("/config/User").asText()).isEqualTo("1000");
    assertThat(c.at("/config/Entrypoint").toString()).isEqualTo("[\"python\",\"-m\",\"app\"]");
    assertThat(c.at("/config/Cmd").isMissingNode()).as("a new entrypoint drops the base's cmd").isTrue();
    assertThat(c.at("/config/Labels").toString()).isEqualTo("{\"a\":\"1\",\"b\":\"2\"}");
    assertThat(c.at("/rootfs/diff_ids").toString()).isEqualTo("[\"sha256:" + "1".repeat(64) + "\",\"" + ADDED + "\"]");
    assertThat(c.at("/history/1/created_by").asText()).isEqualTo("lazypull build app-1");
  }

  @Test
  void keepsBaseCmdWhenOnlyCmdOrNothingIsSetAndIsDeterministic() throws Exception {
    assertThat(overlay(spec(Map.of(), null, null)).at("/config/Cmd").toString()).isEqualTo("[\"bash\"]");
    assertThat(overlay(spec(Map.of(), List.of("x"), List.of("y"))).at("/config/Cmd").toString()).isEqualTo("[\"y\"]");
    BuildSpec s = spec(Map.of("A", "1"), null, null);
    assertThat(ConfigOverlay.apply(BASE.getBytes(), s, ADDED, 5, "t")).isEqualTo(ConfigOverlay.apply(BASE.getBytes(), s, ADDED, 5, "t"));
  }

  @Test
  void rejectsAConfigThatIsNotJson() {
    assertThatThrownBy(() -> ConfigOverlay.apply("[1]".getBytes(), spec(Map.of(), null, null), ADDED, 0, "t"))
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> ConfigOverlay.apply("{".getBytes(), spec(Map.of(), null, null), ADDED, 0, "t"))
        .hasMessageContaining("not valid JSON");
  }
}
