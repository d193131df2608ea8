package dev.lazypull.recorder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What an image's config says about running it (the OCI config's {@code config} object): the
 * environment, working directory, user, entrypoint and cmd. Absent values are as a container
 * runtime takes them: no env, {@code /}, root, none.
 */
public record RuntimeConfig(List<String> env, String workdir, String user, List<String> entrypoint, List<String> cmd) {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What runc and containerd put in PATH when the image sets none. */
  static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  public RuntimeConfig {
    env = List.copyOf(env);
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
  }

  public static RuntimeConfig parse(byte[] configJson) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(configJson);
    } catch (IOException e) {
      throw new IOException("image config is not valid JSON: " + e.getMessage(), e);
    }
    JsonNode c = root == null ? null : root.get("config");
    if (c == null || c.isNull()) {
      return new RuntimeConfig(List.of(DEFAULT_PATH), "/", "", List.of(), List.of());
    }
    List<String> env = strings(c.get("Env"), "Env");
    if (env.stream().noneMatch(e -> e.startsWith("PATH="))) {
      env = new ArrayList<>(env);
      env.add(DEFAULT_PATH);
    }
    String workdir = text(c.get("WorkingDir"));
    return new RuntimeConfig(env, workdir.isEmpty() ? "/" : workdir, text(c.get("User")),
        strings(c.get("Entrypoint"), "Entrypoint"), strings(c.get("Cmd"), "Cmd"));
  }

  /** The image's own command: entrypoint then cmd. */
  public List<String> defaultCommand() {
    List<String> argv = new ArrayList<>(entrypoint);
    argv.addAll(cmd);
    return argv;
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? "" : n.asText();
  }

  private static List<String> strings(JsonNode n, String field) throws IOException {
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw new IOException("image config: " + field + " is not a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw new IOException("image config: " + field + " is not a list of strings");
      }
      out.add(e.asText());
    }
    return out;
  }
}
