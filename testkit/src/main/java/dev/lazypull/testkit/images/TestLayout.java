package dev.lazypull.testkit.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Writes small test images into an OCI image layout directory, in-process: the tar layers
 * (compressed as asked), a config with the right diff_ids and history, the manifest (OCI or Docker
 * schema 2) or a multi-platform index, and the tag in index.json. Deterministic: the same layers
 * give the same digests. Blobs can also be given raw, to build deliberately broken images.
 */
public final class TestLayout {
  private static final ObjectMapper JSON = new ObjectMapper();

  public enum Compression { NONE, GZIP, ZSTD }

  /** OCI media types, or Docker schema 2 (manifest, config and gzip layers of Docker's spelling). */
  public enum Flavor { OCI, DOCKER }

  /** One layer blob as it will be stored: its bytes, media type and the digest of its tar. */
  public record Layer(byte[] blob, String mediaType, String diffId) {

    /** {@code tar} compressed as asked, with the media type {@code flavor} uses for it. */
    public static Layer of(byte[] tar, Compression compression, Flavor flavor) {
      String diffId = sha256(tar);
      return switch (compression) {
        case NONE -> new Layer(tar, flavor == Flavor.DOCKER
            ? "application/vnd.docker.image.rootfs.diff.tar" : "application/vnd.oci.image.layer.v1.tar", diffId);
        case GZIP -> new Layer(gzip(tar), flavor == Flavor.DOCKER
            ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.oci.image.layer.v1.tar+gzip", diffId);
        case ZSTD -> {
          if (flavor == Flavor.DOCKER) {
            throw new IllegalArgumentException("Docker schema 2 has no zstd layers");
          }
          yield new Layer(Zstd.compress(tar, 3), "application/vnd.oci.image.layer.v1.tar+zstd", diffId);
        }
      };
    }
  }

  /** Writes a single-platform image and tags it; returns the manifest digest ({@code sha256:...}). */
  public static String writeImage(Path layout, String tag, List<Layer> layers, Flavor flavor) throws IOException {
    Descriptor manifest = writeManifest(layout, layers, flavor, "amd64");
    tag(layout, tag, manifest);
    return manifest.digest();
  }

  public static String writeImage(Path layout, String tag, Compression compression, byte[]... tars) throws IOException {
    return writeImage(layout, tag, java.util.Arrays.stream(tars).map(t -> Layer.of(t, compression, Flavor.OCI)).toList(),
        Flavor.OCI);
  }

  /** Writes one image per architecture and an index (manifest list for Docker) over them; returns its digest. */
  public static String writeIndex(Path layout, String tag, Flavor flavor, java.util.Map<String, List<Layer>> byArch)
      throws IOException {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", flavor == Flavor.DOCKER
        ? "application/vnd.docker.distribution.manifest.list.v2+json" : "application/vnd.oci.image.index.v1+json");
    ArrayNode manifests = index.putArray("manifests");
    for (var e : new java.util.TreeMap<>(byArch).entrySet()) {
      Descriptor m = writeManifest(layout, e.getValue(), flavor, e.getKey());
      ObjectNode d = manifests.addObject();
      d.put("mediaType", m.mediaType());
      d.put("digest", m.digest());
      d.put("size", m.size());
      ObjectNode platform = d.putObject("platform");
      platform.put("architecture", e.getKey());
      platform.put("os", "linux");
    }
    Descriptor d = writeBlob(layout, JSON.writeValueAsBytes(index), index.get("mediaType").asText());
    tag(layout, tag, d);
    return d.digest();
  }

  record Descriptor(String mediaType, String digest, long size) {}

  private static Descriptor writeManifest(Path layout, List<Layer> layers, Flavor flavor, String arch)
      throws IOException {
    ObjectNode config = JSON.createObjectNode();
    config.put("created", "2024-01-01T00:00:00Z");
    config.put("architecture", arch);
    config.put("os", "linux");
    config.putObject("config").putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    ArrayNode history = config.putArray("history");
    for (int i = 0; i < layers.size(); i++) {
      diffIds.add(layers.get(i).diffId());
      ObjectNode h = history.addObject();
      h.put("created", "2024-01-01T00:00:00Z");
      h.put("created_by", "synthetic test layer " + (i + 1));
    }
    Descriptor cfg = writeBlob(layout, JSON.writeValueAsBytes(config), flavor == Flavor.DOCKER
        ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json");
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", flavor == Flavor.DOCKER
        ? "application/vnd.docker.distribution.manifest.v2+json" : "application/vnd.oci.image.manifest.v1+json");
    put(manifest.putObject("config"), cfg);
    ArrayNode layerArray = manifest.putArray("layers");
    for (Layer l : layers) {
      put(layerArray.addObject(), writeBlob(layout, l.blob(), l.mediaType()));
    }
    return writeBlob(layout, JSON.writeValueAsBytes(manifest), manifest.get("mediaType").asText());
  }

  private static void put(ObjectNode node, Descriptor d) {
    node.put("mediaType", d.mediaType());
    node.put("digest", d.digest());
    node.put("size", d.size());
  }

  static Descriptor writeBlob(Path layout, byte[] bytes, String mediaType) throws IOException {
    String digest = sha256(bytes);
    Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
    Path file = blobs.resolve(digest.substring("sha256:".length()));
    if (!Files.exists(file)) {
      Files.write(file, bytes);
    }
    return new Descriptor(mediaType, digest, bytes.length);
  }

  static void tag(Path layout, String tag, Descriptor d) throws IOException {
    Files.createDirectories(layout);
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Path indexFile = layout.resolve("index.json");
    ObjectNode index;
    if (Files.exists(indexFile)) {
      index = (ObjectNode) JSON.readTree(indexFile.toFile());
    } else {
      index = JSON.createObjectNode();
      index.put("schemaVersion", 2);
      index.put("mediaType", "application/vnd.oci.image.index.v1+json");
      index.putArray("manifests");
    }
    ArrayNode manifests = (ArrayNode) index.get("manifests");
    for (int i = manifests.size() - 1; i >= 0; i--) {
      if (tag.equals(manifests.get(i).path("annotations").path("org.opencontainers.image.ref.name").asText(null))) {
        manifests.remove(i);
      }
    }
    ObjectNode entry = manifests.addObject();
    put(entry, d);
    entry.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
    Files.write(indexFile, JSON.writeValueAsBytes(index));
  }

  public static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static String sha256(byte[] bytes) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private TestLayout() {}
}
