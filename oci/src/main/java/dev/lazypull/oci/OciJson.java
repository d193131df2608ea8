package dev.lazypull.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON for manifests, indexes and descriptors. Written in the field order of the OCI spec's Go
 * structs (what containerd and skopeo write), compact, annotations in their insertion order, so
 * that the same record always gives the same bytes and so the same digest. Parsing checks the
 * required fields and says which one is wrong.
 */
public final class OciJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Parses a manifest; {@code fallbackMediaType} is used when the JSON has no mediaType field. */
  public static ImageManifest parseManifest(byte[] json, String fallbackMediaType) {
    JsonNode root = readTree(json, "manifest");
    requireSchemaVersion(root, "manifest");
    String mediaType = text(root, "mediaType", fallbackMediaType == null ? MediaTypes.OCI_MANIFEST : fallbackMediaType);
    if (!MediaTypes.isManifest(mediaType)) {
      throw new IllegalArgumentException("manifest has media type " + mediaType + ", not an image manifest");
    }
    Descriptor config = descriptor(required(root, "config", "manifest"), "manifest config");
    List<Descriptor> layers = new ArrayList<>();
    JsonNode layersNode = root.get("layers");
    if (layersNode != null && !layersNode.isNull()) {
      if (!layersNode.isArray()) {
        throw new IllegalArgumentException("manifest field 'layers' is not an array");
      }
      for (int i = 0; i < layersNode.size(); i++) {
        layers.add(descriptor(layersNode.get(i), "manifest layer " + i));
      }
    }
    JsonNode subject = root.get("subject");
    return new ImageManifest(
        mediaType,
        text(root, "artifactType", null),
        config,
        layers,
        subject == null || subject.isNull() ? null : descriptor(subject, "manifest subject"),
        annotations(root, "manifest"));
  }

  public static ImageManifest parseManifest(byte[] json) {
    return parseManifest(json, null);
  }

  /** Parses an index; {@code fallbackMediaType} is used when the JSON has no mediaType field. */
  public static ImageIndex parseIndex(byte[] json, String fallbackMediaType) {
    JsonNode root = readTree(json, "index");
    requireSchemaVersion(root, "index");
    String mediaType = text(root, "mediaType", fallbackMediaType == null ? MediaTypes.OCI_INDEX : fallbackMediaType);
    if (!MediaTypes.isIndex(mediaType)) {
      throw new IllegalArgumentException("index has media type " + mediaType + ", not an index");
    }
    JsonNode manifestsNode = required(root, "manifests", "index");
    if (!manifestsNode.isArray()) {
      throw new IllegalArgumentException("index field 'manifests' is not an array");
    }
    List<Descriptor> manifests = new ArrayList<>();
    for (int i = 0; i < manifestsNode.size(); i++) {
      manifests.add(descriptor(manifestsNode.get(i), "index entry " + i));
    }
    return new ImageIndex(mediaType, manifests, annotations(root, "index"));
  }

  public static ImageIndex parseIndex(byte[] json) {
    return parseIndex(json, null);
  }

  /**
   * The media type a manifest or index declares, else guessed from its shape (a {@code manifests}
   * array means an OCI index), for stores that do not tell (layouts, old registries).
   */
  public static String detectMediaType(byte[] json) {
    JsonNode root = readTree(json, "manifest or index");
    String declared = text(root, "mediaType", null);
    if (declared != null) {
      return declared;
    }
    return root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
  }

  public static byte[] write(ImageManifest m) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("schemaVersion", 2);
    root.put("mediaType", m.mediaType());
    if (m.artifactType() != null) {
      root.put("artifactType", m.artifactType());
    }
    root.set("config", descriptorNode(m.config()));
    ArrayNode layers = root.putArray("layers");
    m.layers().forEach(d -> layers.add(descriptorNode(d)));
    if (m.subject() != null) {
      root.set("subject", descriptorNode(m.subject()));
    }
    putAnnotations(root, m.annotations());
    return bytes(root);
  }

  public static byte[] write(ImageIndex index) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("schemaVersion", 2);
    root.put("mediaType", index.mediaType());
    ArrayNode manifests = root.putArray("manifests");
    index.manifests().forEach(d -> manifests.add(descriptorNode(d)));
    putAnnotations(root, index.annotations());
    return bytes(root);
  }

  public static byte[] write(Descriptor d) {
    return bytes(descriptorNode(d));
  }

  public static Descriptor parseDescriptor(byte[] json) {
    return descriptor(readTree(json, "descriptor"), "descriptor");
  }

  static Map<String, String> orderedCopy(Map<String, String> map) {
    return map == null || map.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  private static ObjectNode descriptorNode(Descriptor d) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("mediaType", d.mediaType());
    node.put("digest", d.digest().toString());
    node.put("size", d.size());
    if (!d.urls().isEmpty()) {
      ArrayNode urls = node.putArray("urls");
      d.urls().forEach(urls::add);
    }
    putAnnotations(node, d.annotations());
    if (d.data() != null) {
      node.put("data", d.data());
    }
    if (d.platform() != null) {
      ObjectNode p = node.putObject("platform");
      p.put("architecture", d.platform().architecture());
      p.put("os", d.platform().os());
      if (d.platform().osVersion() != null) {
        p.put("os.version", d.platform().osVersion());
      }
      if (!d.platform().osFeatures().isEmpty()) {
        ArrayNode features = p.putArray("os.features");
        d.platform().osFeatures().forEach(features::add);
      }
      if (d.platform().variant() != null) {
        p.put("variant", d.platform().variant());
      }
    }
    if (d.artifactType() != null) {
      node.put("artifactType", d.artifactType());
    }
    return node;
  }

  private static void putAnnotations(ObjectNode node, Map<String, String> annotations) {
    if (!annotations.isEmpty()) {
      ObjectNode a = node.putObject("annotations");
      annotations.forEach(a::put);
    }
  }

  private static Descriptor descriptor(JsonNode node, String what) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(what + " is not a JSON object");
    }
    String mediaType = text(node, "mediaType", null);
    if (mediaType == null) {
      throw new IllegalArgumentException(what + " has no mediaType");
    }
    String digestText = text(node, "digest", null);
    Digest digest;
    try {
      digest = Digest.parse(digestText);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
    JsonNode size = node.get("size");
    if (size == null || !size.canConvertToLong() || !size.isIntegralNumber() || size.asLong() < 0) {
      throw new IllegalArgumentException(what + " has no valid size");
    }
    Platform platform = null;
    JsonNode p = node.get("platform");
    if (p != null && !p.isNull()) {
      String os = text(p, "os", null);
      String arch = text(p, "architecture", null);
      if (os == null || arch == null) {
        throw new IllegalArgumentException(what + " has a platform without os or architecture");
      }
      platform = new Platform(os, arch, text(p, "variant", null), text(p, "os.version", null), strings(p, "os.features", what));
    }
    String data = text(node, "data", null);
    if (data != null) {
      try {
        java.util.Base64.getDecoder().decode(data);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(what + " has data that is not base64", e);
      }
    }
    return new Descriptor(mediaType, digest, size.asLong(), strings(node, "urls", what), annotations(node, what),
        data, text(node, "artifactType", null), platform);
  }

  /** An optional array of strings ({@code urls}, {@code os.features}); empty when absent. */
  private static List<String> strings(JsonNode node, String field, String what) {
    JsonNode a = node.get(field);
    if (a == null || a.isNull()) {
      return List.of();
    }
    if (!a.isArray()) {
      throw new IllegalArgumentException(what + " " + field + " is not an array");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : a) {
      if (!item.isTextual()) {
        throw new IllegalArgumentException(what + " " + field + " holds a non-string");
      }
      out.add(item.asText());
    }
    return out;
  }

  private static Map<String, String> annotations(JsonNode node, String what) {
    JsonNode a = node.get("annotations");
    if (a == null || a.isNull()) {
      return Map.of();
    }
    if (!a.isObject()) {
      throw new IllegalArgumentException(what + " annotations are not an object");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = a.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new IllegalArgumentException(what + " annotation '" + e.getKey() + "' is not a string");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static void requireSchemaVersion(JsonNode root, String what) {
    JsonNode v = root.get("schemaVersion");
    if (v == null || v.asInt() != 2) {
      throw new IllegalArgumentException(what + " has schemaVersion " + v + ", only 2 is supported");
    }
  }

  private static JsonNode required(JsonNode node, String field, String what) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException(what + " has no '" + field + "'");
    }
    return v;
  }

  private static String text(JsonNode node, String field, String fallback) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' is not a string");
    }
    return v.asText();
  }

  private static JsonNode readTree(byte[] json, String what) {
    try {
      JsonNode root = MAPPER.readTree(json);
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException(what + " is not a JSON object");
      }
      return root;
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise OCI JSON", e);
    }
  }

  private OciJson() {}
}
