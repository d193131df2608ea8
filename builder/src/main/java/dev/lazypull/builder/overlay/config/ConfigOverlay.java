package dev.lazypull.builder.overlay.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lazypull.builder.overlay.BuildInputException;
import dev.lazypull.builder.overlay.spec.BuildSpec;
import dev.lazypull.oci.Digest;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The new image config: the base's config with the build's settings laid over it, the way a
 * Dockerfile's ENV/WORKDIR/ENTRYPOINT/CMD/USER/LABEL lines would, the added layer's diff_id
 * appended to {@code rootfs.diff_ids} and one history entry appended. Every field of the base
 * config this class does not touch is kept as it was, in its order, so the result is
 * deterministic for a given base and spec.
 */
public final class ConfigOverlay {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ConfigOverlay() {}

  public static byte[] apply(byte[] baseConfig, BuildSpec spec, Digest addedDiffId, long createdSeconds, String buildHash) {
    ObjectNode root;
    try {
      JsonNode parsed = MAPPER.readTree(baseConfig);
      if (!(parsed instanceof ObjectNode o)) {
        throw new BuildInputException("the base image's config is not a JSON object");
      }
      root = o;
    } catch (IOException e) {
      throw new BuildInputException("the base image's config is not valid JSON: " + e.getMessage(), e);
    }
    String created = Instant.ofEpochSecond(createdSeconds).toString();
    root.put("created", created);
    ObjectNode config = root.get("config") instanceof ObjectNode c ? c : root.putObject("config");
    if (!spec.env().isEmpty()) {
      config.set("Env", env(config.get("Env"), spec.env()));
    }
    if (spec.workdir() != null) {
      config.put("WorkingDir", spec.workdir());
    }
    if (spec.user() != null) {
      config.put("User", spec.user());
    }
    if (spec.entrypoint() != null) {
      config.set("Entrypoint", strings(spec.entrypoint()));
      if (spec.cmd() == null) {
        config.remove("Cmd"); // as in a Dockerfile: a new ENTRYPOINT drops the base's CMD
      }
    }
    if (spec.cmd() != null) {
      config.set("Cmd", strings(spec.cmd()));
    }
    if (!spec.labels().isEmpty()) {
      ObjectNode labels = config.get("Labels") instanceof ObjectNode l ? l : config.putObject("Labels");
      spec.labels().forEach(labels::put);
    }
    ObjectNode rootfs = root.get("rootfs") instanceof ObjectNode r ? r : root.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.get("diff_ids") instanceof ArrayNode a ? a : rootfs.putArray("diff_ids");
    diffIds.add(addedDiffId.toString());
    ArrayNode history = root.get("history") instanceof ArrayNode h ? h : root.putArray("history");
    ObjectNode entry = history.addObject();
    entry.put("created", created);
    entry.put("created_by", "lazypull build " + buildHash);
    entry.put("comment", "added files and settings");
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise image config", e);
    }
  }

  /** Replaces variables the base sets in place and appends new ones in the spec's order. */
  private static ArrayNode env(JsonNode base, Map<String, String> overlay) {
    List<String> out = new ArrayList<>();
    if (base instanceof ArrayNode a) {
      a.forEach(v -> out.add(v.asText()));
    }
    overlay.forEach((k, v) -> {
      String kv = k + "=" + v;
      int i = indexOfKey(out, k);
      if (i >= 0) {
        out.set(i, kv);
      } else {
        out.add(kv);
      }
    });
    return strings(out);
  }

  private static int indexOfKey(List<String> env, String key) {
    for (int i = 0; i < env.size(); i++) {
      String e = env.get(i);
      if (e.startsWith(key + "=") || e.equals(key)) {
        return i;
      }
    }
    return -1;
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode a = MAPPER.createArrayNode();
    values.forEach(a::add);
    return a;
  }
}
