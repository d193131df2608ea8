package dev.lazypull.builder.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lazypull.builder.ConversionException;
import dev.lazypull.builder.layer.ConvertedLayer;
import dev.lazypull.builder.layer.LayerConverter;
import dev.lazypull.builder.layer.LowerLayerFiles;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageIndex;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts an image (a manifest, or an index with every platform) of one store into a lazy image
 * in another. Order of writes, so that a failure leaves the destination tag as it was: every
 * layer blob and the config are pushed and their presence verified, then the manifests by digest,
 * and the tag last.
 *
 * <p>The output is a function of the input and the options: JSON is written in a fixed field order
 * and the encoder is deterministic, so converting twice gives the same digests, and a layer shared
 * by two images becomes the same lazy layer in both.
 */
public final class ImageConverter {
  /** Configs are small JSON documents; anything bigger is not a config. */
  private static final long MAX_CONFIG_BYTES = 16 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ImageStore source;
  private final ImageStore target;
  private final ConvertOptions options;
  private final Progress progress;
  private final LayerConverter layers;
  /** Manifests converted but not yet stored: children of an index go by digest, a lone manifest with the tag. */
  private final Map<Digest, ManifestBytes> pendingManifests = new LinkedHashMap<>();

  private final BeforeTag beforeTag;

  public ImageConverter(ImageStore source, ImageStore target, ConvertOptions options, Progress progress) {
    this(source, target, options, progress, BeforeTag.NONE);
  }

  /**
   * A converter that runs {@code beforeTag} on a single image's manifest before tagging it (an
   * index of several platforms is refused then: the step applies to one image).
   */
  public ImageConverter(ImageStore source, ImageStore target, ConvertOptions options, Progress progress, BeforeTag beforeTag) {
    this.beforeTag = beforeTag;
    this.source = source;
    this.target = target;
    this.options = options;
    this.progress = progress;
    this.layers = new LayerConverter(options.encoder(), options.workDir(), progress);
  }

  /**
   * Converts the image {@code sourceReference} (tag or digest; null for a layout's only image) and
   * tags the result {@code targetTag} in the target store.
   */
  public ConversionResult convert(String sourceReference, String targetTag) throws IOException {
    if (targetTag == null || targetTag.isEmpty()) {
      throw new IllegalArgumentException("the destination needs a tag");
    }
    return convert(source.getManifest(sourceReference), targetTag);
  }

  /** Converts the image whose manifest or index is {@code top} (as fetched from the source store). */
  public ConversionResult convert(ManifestBytes top, String targetTag) throws IOException {
    if (targetTag == null || targetTag.isEmpty()) {
      throw new IllegalArgumentException("the destination needs a tag");
    }
    String mediaType = mediaTypeOf(top);
    if (MediaTypes.isIndex(mediaType)) {
      ImageIndex index = parse(() -> OciJson.parseIndex(top.bytes(), mediaType), "index " + top.digest());
      if (options.platform() != null) {
        Descriptor chosen = index.select(options.platform()).orElseThrow(() -> new ConversionException(
            "index " + top.digest() + " has no image for platform " + describe(options.platform())));
        ConversionResult.Image image = convertManifest(chosen, chosen.platform(), 1, 1);
        return new ConversionResult(tagManifest(image, targetTag), List.of(image));
      }
      if (beforeTag != BeforeTag.NONE) {
        throw new ConversionException("index " + top.digest() + " holds " + index.manifests().size()
            + " images; recording a start-up applies to one: choose a platform");
      }
      return convertIndex(index, top.digest(), targetTag);
    }
    if (!MediaTypes.isManifest(mediaType)) {
      throw new ConversionException(top.digest() + " is a " + mediaType + ", not an image manifest or index");
    }
    ConversionResult.Image image = convertManifest(
        new Descriptor(mediaType, top.digest(), top.bytes().length), null, 1, 1);
    return new ConversionResult(tagManifest(image, targetTag), List.of(image));
  }

  private ManifestBytes tagManifest(ConversionResult.Image image, String tag) throws IOException {
    ManifestBytes m = pendingManifests.remove(image.manifest());
    if (beforeTag != BeforeTag.NONE) {
      target.putManifest(null, m.mediaType(), m.bytes());
      m = beforeTag.apply(target, m);
    }
    Digest pushed = target.putManifest(tag, m.mediaType(), m.bytes());
    if (!pushed.equals(m.digest())) {
      throw new ConversionException(target.name() + " stored the manifest as " + pushed + ", expected " + m.digest());
    }
    return m;
  }

  private ConversionResult convertIndex(ImageIndex index, Digest indexDigest, String tag) throws IOException {
    List<Descriptor> toConvert = new ArrayList<>();
    for (Descriptor d : index.manifests()) {
      if (MediaTypes.isIndex(d.mediaType())) {
        throw new ConversionException("index " + indexDigest + " nests another index (" + d.digest() + "); not supported");
      }
      if (isAttestation(d)) {
        progress.message("skipping attestation manifest " + d.digest() + " (it would describe the source, not the lazy image)");
        continue;
      }
      if (!MediaTypes.isManifest(d.mediaType())) {
        throw new ConversionException("index " + indexDigest + " lists " + d.digest() + " of media type "
            + d.mediaType() + ", not an image manifest");
      }
      toConvert.add(d);
    }
    if (toConvert.isEmpty()) {
      throw new ConversionException("index " + indexDigest + " lists no image manifest");
    }
    List<ConversionResult.Image> images = new ArrayList<>();
    List<Descriptor> entries = new ArrayList<>();
    for (int i = 0; i < toConvert.size(); i++) {
      Descriptor d = toConvert.get(i);
      ConversionResult.Image image = convertManifest(d, d.platform(), i + 1, toConvert.size());
      images.add(image);
      ManifestBytes m = pendingManifests.remove(image.manifest());
      target.putManifest(null, m.mediaType(), m.bytes());
      entries.add(d.withContent(m.mediaType(), m.digest(), m.bytes().length));
    }
    Map<String, String> annotations = new LinkedHashMap<>(index.annotations());
    annotations.put(LazyAnnotations.FORMAT_VERSION, LazyAnnotations.VERSION);
    byte[] json = new ImageIndex(MediaTypes.OCI_INDEX, entries, annotations).toJson();
    Digest digest = target.putManifest(tag, MediaTypes.OCI_INDEX, json);
    return new ConversionResult(new ManifestBytes(MediaTypes.OCI_INDEX, digest, json), images);
  }

  /** Converts one manifest's layers, pushes layers and config; the manifest itself waits in {@link #pendingManifests}. */
  private ConversionResult.Image convertManifest(
      Descriptor descriptor, dev.lazypull.oci.Platform platform, int nth, int of) throws IOException {
    ManifestBytes bytes = source.getManifest(descriptor.digest().toString());
    ImageManifest manifest = parse(
        () -> OciJson.parseManifest(bytes.bytes(), descriptor.mediaType()), "manifest " + descriptor.digest());
    String what = "image " + descriptor.digest() + (platform == null ? "" : " (" + describe(platform) + ")");
    byte[] config = readConfig(manifest.config(), what);
    List<Digest> diffIds = diffIds(config, what);
    if (diffIds.size() != manifest.layers().size()) {
      throw new ConversionException(what + ": the config lists " + diffIds.size() + " diff_ids for "
          + manifest.layers().size() + " layers");
    }
    LowerLayerFiles lower = new LowerLayerFiles();
    List<ConvertedLayer> converted = new ArrayList<>();
    List<Descriptor> lazyLayers = new ArrayList<>();
    for (int i = 0; i < manifest.layers().size(); i++) {
      Descriptor layer = manifest.layers().get(i);
      String label = (of > 1 ? "image " + nth + "/" + of + " " : "") + "layer " + (i + 1) + "/"
          + manifest.layers().size() + " " + layer.digest().hex().substring(0, 12);
      ConvertedLayer c = layers.convert(source, layer, lower, label);
      try {
        if (!c.encoded().diffId().equals(diffIds.get(i))) {
          throw new ConversionException(what + ", layer " + layer.digest() + ": its uncompressed digest "
              + c.encoded().diffId() + " differs from the config's diff_id " + diffIds.get(i));
        }
        target.putBlob(c.encoded().digest(), c.encoded().compressedSize(), c.blob());
        verifyPresent(c.encoded().digest(), c.encoded().compressedSize(), "lazy layer of " + layer.digest());
      } finally {
        Files.deleteIfExists(c.blob());
      }
      converted.add(c);
      lazyLayers.add(c.descriptor());
    }
    // The config is unchanged: diff_ids are the digests of the uncompressed tars, which the lazy
    // layers reproduce byte for byte (checked above), so the config keeps its digest.
    target.putBlob(manifest.config().digest(), config);
    verifyPresent(manifest.config().digest(), config.length, "config");
    Descriptor sourceConfig = manifest.config();
    Descriptor configDescriptor = new Descriptor(MediaTypes.OCI_CONFIG, sourceConfig.digest(), config.length,
        sourceConfig.urls(), sourceConfig.annotations(), sourceConfig.data(), sourceConfig.artifactType(), null);
    Map<String, String> annotations = new LinkedHashMap<>(manifest.annotations());
    annotations.put(LazyAnnotations.FORMAT_VERSION, LazyAnnotations.VERSION);
    ImageManifest lazy = new ImageManifest(
        MediaTypes.OCI_MANIFEST, manifest.artifactType(), configDescriptor, lazyLayers, manifest.subject(), annotations);
    byte[] json = lazy.toJson();
    Digest digest = Digest.sha256(json);
    pendingManifests.put(digest, new ManifestBytes(MediaTypes.OCI_MANIFEST, digest, json));
    return new ConversionResult.Image(platform, descriptor.digest(), digest, converted);
  }

  private byte[] readConfig(Descriptor config, String what) throws IOException {
    if (config.size() > MAX_CONFIG_BYTES) {
      throw new ConversionException(what + ": config of " + config.size() + " bytes is too big to be an image config");
    }
    try (InputStream in = source.openBlob(config.digest())) {
      byte[] bytes = in.readNBytes((int) config.size() + 1);
      if (bytes.length != config.size()) {
        throw new ConversionException(what + ": config " + config.digest() + " has " + bytes.length
            + " bytes, the manifest says " + config.size());
      }
      in.transferTo(java.io.OutputStream.nullOutputStream()); // reach the end, where the digest is verified
      return bytes;
    }
  }

  private static List<Digest> diffIds(byte[] config, String what) throws ConversionException {
    JsonNode root;
    try {
      root = JSON.readTree(config);
    } catch (IOException e) {
      throw new ConversionException(what + ": config is not valid JSON: " + e.getMessage(), e);
    }
    JsonNode ids = root == null ? null : root.path("rootfs").get("diff_ids");
    if (ids == null || !ids.isArray()) {
      throw new ConversionException(what + ": config has no rootfs.diff_ids");
    }
    List<Digest> out = new ArrayList<>();
    for (JsonNode id : ids) {
      try {
        out.add(Digest.parse(id.asText()));
      } catch (IllegalArgumentException e) {
        throw new ConversionException(what + ": config rootfs.diff_ids: " + e.getMessage(), e);
      }
    }
    return out;
  }

  private void verifyPresent(Digest digest, long size, String what) throws IOException {
    long actual = target.blobSize(digest).orElseThrow(
        () -> new ConversionException(target.name() + " does not have the " + what + " " + digest + " after pushing it"));
    if (actual != size) {
      throw new ConversionException(target.name() + " has " + actual + " bytes for the " + what + " " + digest
          + ", pushed " + size);
    }
  }

  private static String mediaTypeOf(ManifestBytes m) {
    if (m.mediaType() != null && !m.mediaType().isEmpty()) {
      return m.mediaType();
    }
    return OciJson.detectMediaType(m.bytes());
  }

  private static boolean isAttestation(Descriptor d) {
    return "attestation-manifest".equals(d.annotations().get("vnd.docker.reference.type"));
  }

  private static String describe(dev.lazypull.oci.Platform p) {
    return p.os() + "/" + p.architecture() + (p.variant() == null ? "" : "/" + p.variant());
  }

  private interface Parser<T> {
    T parse();
  }

  private static <T> T parse(Parser<T> parser, String what) throws ConversionException {
    try {
      return parser.parse();
    } catch (IllegalArgumentException e) {
      throw new ConversionException(what + ": " + e.getMessage(), e);
    }
  }
}
