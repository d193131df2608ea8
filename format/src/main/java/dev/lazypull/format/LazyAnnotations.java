package dev.lazypull.format;

import dev.lazypull.oci.Digest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The annotations that make an OCI image lazy. Each converted layer descriptor carries where its
 * TOC lies in the blob and the TOC's digest (pinned by the manifest, verified before use); the
 * manifest carries {@link #FORMAT_VERSION} so a node can tell a lazy image at a glance.
 */
public final class LazyAnnotations {
  /** On the manifest (and on each converted layer): the lazy format version, "1". */
  public static final String FORMAT_VERSION = "dev.lazypull.format.version";
  public static final String TOC_OFFSET = "dev.lazypull.toc.offset";
  public static final String TOC_LENGTH = "dev.lazypull.toc.length";
  public static final String TOC_DIGEST = "dev.lazypull.toc.digest";
  public static final String VERSION = "1";
  /**
   * containerd hands a snapshotter only the layer annotations under this prefix (its
   * {@code FilterInheritedLabels}), so each TOC annotation is written a second time under it: a
   * remote snapshotter learns from the labels alone that a layer is lazy and where its TOC lies.
   */
  public static final String SNAPSHOT_LABEL_PREFIX = "containerd.io/snapshot/";

  /** Where a layer's TOC lies: a byte range of the layer blob and the digest of those bytes. */
  public record TocPointer(long offset, int length, Digest digest) {
    public TocPointer {
      if (offset < 0 || length < 8) {
        throw new IllegalArgumentException("bad TOC location: offset " + offset + ", length " + length);
      }
    }

    /** The annotations a layer descriptor carries for this TOC. */
    public Map<String, String> annotations() {
      Map<String, String> a = new LinkedHashMap<>();
      a.put(FORMAT_VERSION, VERSION);
      a.put(TOC_OFFSET, Long.toString(offset));
      a.put(TOC_LENGTH, Integer.toString(length));
      a.put(TOC_DIGEST, digest.toString());
      for (String key : List.copyOf(a.keySet())) {
        a.put(SNAPSHOT_LABEL_PREFIX + key, a.get(key));
      }
      return a;
    }
  }

  /**
   * The TOC pointer of a layer descriptor's annotations; empty when the layer is not lazy (no
   * {@link #TOC_DIGEST}). Throws naming the annotation when a lazy layer's annotations are
   * malformed or of an unsupported version.
   */
  public static Optional<TocPointer> tocPointer(Map<String, String> annotations) {
    if (annotations == null || !annotations.containsKey(TOC_DIGEST)) {
      return Optional.empty();
    }
    String version = annotations.get(FORMAT_VERSION);
    if (version != null && !VERSION.equals(version)) {
      throw new IllegalArgumentException("unsupported lazy layer version " + FORMAT_VERSION + "=" + version);
    }
    try {
      long offset = Long.parseLong(require(annotations, TOC_OFFSET));
      int length = Integer.parseInt(require(annotations, TOC_LENGTH));
      return Optional.of(new TocPointer(offset, length, Digest.parse(annotations.get(TOC_DIGEST))));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("malformed lazy layer annotation: " + e.getMessage(), e);
    }
  }

  /**
   * The TOC pointer carried by the labels containerd passes to a snapshotter for a layer (the
   * annotations under {@link #SNAPSHOT_LABEL_PREFIX}); empty when they name no TOC. Throws as
   * {@link #tocPointer} does.
   */
  public static Optional<TocPointer> tocPointerOfSnapshotLabels(Map<String, String> labels) {
    if (labels == null) {
      return Optional.empty();
    }
    Map<String, String> unprefixed = new LinkedHashMap<>();
    labels.forEach((k, v) -> {
      if (k.startsWith(SNAPSHOT_LABEL_PREFIX + "dev.lazypull.")) {
        unprefixed.put(k.substring(SNAPSHOT_LABEL_PREFIX.length()), v);
      }
    });
    return tocPointer(unprefixed);
  }

  /** True when a manifest's annotations mark it as a lazy image. */
  public static boolean isLazyManifest(Map<String, String> manifestAnnotations) {
    return manifestAnnotations != null && manifestAnnotations.containsKey(FORMAT_VERSION);
  }

  private static String require(Map<String, String> annotations, String key) {
    String v = annotations.get(key);
    if (v == null) {
      throw new IllegalArgumentException("lazy layer annotation " + key + " is missing");
    }
    return v;
  }

  private LazyAnnotations() {}
}
