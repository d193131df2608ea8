package dev.lazypull.builder.overlay;

import dev.lazypull.builder.image.ConversionResult;
import dev.lazypull.builder.image.ConvertOptions;
import dev.lazypull.builder.image.ImageConverter;
import dev.lazypull.builder.overlay.config.ConfigOverlay;
import dev.lazypull.builder.overlay.files.AddedFile;
import dev.lazypull.builder.overlay.files.BasePaths;
import dev.lazypull.builder.overlay.files.SourceTree;
import dev.lazypull.builder.overlay.layer.AddedLayer;
import dev.lazypull.builder.overlay.spec.BuildSpec;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.oci.Platform;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code lazypull build}: lays the added files and settings over a base image and pushes the
 * result as a lazy image tagged {@code NAME-<content hash>}. In order:
 *
 * <ol>
 *   <li>resolve the base (one manifest GET) and scan the sources, then compute the tag;
 *   <li>if the tag exists in the target, stop: nothing is built or pushed;
 *   <li>make the base lazy: a lazy base is used as it is; a non-lazy one is looked up under its
 *       conversion tag in the target ({@link #conversionTag}) and converted and pushed there once;
 *   <li>place the added files in the base's tree ({@link BasePaths}: through its symlinks, without
 *       re-writing directories it has);
 *   <li>make the base's layers available in the target (present, mounted, or copied unchanged);
 *   <li>encode the added layer straight into the lazy format, push it, then the config;
 *   <li>push the manifest under the tag (and the extra tags): only after every blob is in place.
 * </ol>
 */
public final class OverlayBuild {
  /** Where the conversion of a non-lazy base is remembered in the target repository. */
  public static final String CONVERSION_TAG_PREFIX = "lazypull-base-v" + LazyAnnotations.VERSION + "-";

  public static final String BASE_DIGEST_ANNOTATION = "org.opencontainers.image.base.digest";
  public static final String BASE_NAME_ANNOTATION = "org.opencontainers.image.base.name";

  /** Settings that are not part of the spec: they describe the machine or the run. */
  public record Options(EncoderOptions encoder, long sourceDateEpoch, boolean force, Platform platform) {
    public static Options defaults() {
      return new Options(EncoderOptions.defaults(), 0, false, Platform.current());
    }

    public Options withForce(boolean f) {
      return new Options(encoder, sourceDateEpoch, f, platform);
    }

    public Options withSourceDateEpoch(long epoch) {
      return new Options(encoder, epoch, force, platform);
    }

    public Options withPlatform(Platform p) {
      return new Options(encoder, sourceDateEpoch, force, p);
    }
  }

  private final Options options;
  private final Progress progress;
  private final dev.lazypull.builder.image.BeforeTag beforeTag;

  public OverlayBuild(Options options, Progress progress) {
    this(options, progress, dev.lazypull.builder.image.BeforeTag.NONE);
  }

  /** A build that runs {@code beforeTag} (recording the spec's start-up, say) on the manifest before tagging it. */
  public OverlayBuild(Options options, Progress progress, dev.lazypull.builder.image.BeforeTag beforeTag) {
    this.options = options;
    this.progress = progress;
    this.beforeTag = beforeTag;
  }

  /** The encoder's identity in the build hash: everything that changes the encoded bytes. */
  public static String encoderIdentity(EncoderOptions o) {
    return "format=" + LazyAnnotations.VERSION + ";level=" + o.level() + ";chunks=" + o.minChunk() + "/" + o.avgChunk()
        + "/" + o.maxChunk() + ";group=" + o.groupTarget() + ";large=" + o.largeFileThreshold();
  }

  public static String conversionTag(Digest sourceManifest) {
    return CONVERSION_TAG_PREFIX + sourceManifest.hex().substring(0, 16);
  }

  /**
   * Builds {@code spec}. {@code base} holds the base image, reachable as {@code baseReference}
   * ({@code tagOrDigest} within it); {@code target} is the repository the image goes to.
   */
  public BuildResult build(BuildSpec spec, ImageStore base, String baseTagOrDigest, ImageStore target) throws IOException {
    long start = System.nanoTime();
    ResolvedBase resolved = ResolvedBase.resolve(base, spec.base(), baseTagOrDigest, options.platform());
    List<AddedFile> files = SourceTree.scan(spec.adds(), spec.ignoreFile());
    Digest hash = BuildHash.compute(spec, resolved.manifestBytes().digest(), files, options.sourceDateEpoch(),
        encoderIdentity(options.encoder()));
    String tag = BuildHash.tag(spec.name(), hash);
    progress.message("base " + spec.base() + " -> " + resolved.manifestBytes().digest() + (resolved.isLazy() ? " (lazy)" : ""));
    progress.message("tag " + tag + " (" + files.size() + " added entries)");

    Optional<Digest> existing = target.resolve(tag);
    if (existing.isPresent() && !options.force()) {
      ManifestBytes manifest = target.getManifest(existing.get().toString());
      applyExtraTags(spec, target, manifest);
      progress.message("exists: " + target.name() + ":" + tag + ", nothing to build");
      return new BuildResult(reference(target, tag, existing.get()), tag, existing.get(), true, 0, 0, 0, 0, seconds(start));
    }

    LazyBase lazyBase = lazyBase(resolved, base, target);
    // Before anything of the image is pushed: a destination that cannot be placed fails here.
    List<AddedFile> placed = BasePaths.read(lazyBase.store, lazyBase.manifest).place(files);
    BlobCopier copier = new BlobCopier(lazyBase.store, target, progress);
    for (Descriptor layer : lazyBase.manifest.layers()) {
      copier.ensure(layer);
    }
    long[] uploaded = {lazyBase.bytesUploaded + copier.bytesUploaded()};
    EncodedLayer added = pushAddedLayer(placed, target, uploaded);
    Descriptor config = pushConfig(spec, lazyBase, added, hash, target, uploaded);

    List<Descriptor> layers = new ArrayList<>(lazyBase.manifest.layers());
    layers.add(new Descriptor(EncodedLayer.MEDIA_TYPE, added.digest(), added.compressedSize(), added.annotations(), null));
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(LazyAnnotations.FORMAT_VERSION, LazyAnnotations.VERSION);
    annotations.put(BASE_NAME_ANNOTATION, spec.base());
    annotations.put(BASE_DIGEST_ANNOTATION, resolved.manifestBytes().digest().toString());
    byte[] manifestJson = OciJson.write(new ImageManifest(MediaTypes.OCI_MANIFEST, null, config, layers, null, annotations));
    if (beforeTag != dev.lazypull.builder.image.BeforeTag.NONE) {
      Digest untagged = target.putManifest(null, MediaTypes.OCI_MANIFEST, manifestJson);
      ManifestBytes finished = beforeTag.apply(target, new ManifestBytes(MediaTypes.OCI_MANIFEST, untagged, manifestJson));
      manifestJson = finished.bytes();
    }
    // Last: the tag appears only once every blob it references is in place.
    Digest digest = target.putManifest(tag, MediaTypes.OCI_MANIFEST, manifestJson);
    uploaded[0] += manifestJson.length;
    applyExtraTags(spec, target, new ManifestBytes(MediaTypes.OCI_MANIFEST, digest, manifestJson));
    progress.message("pushed " + target.name() + ":" + tag);
    return new BuildResult(reference(target, tag, digest), tag, digest, false,
        lazyBase.reused, lazyBase.converted, 1, uploaded[0], seconds(start));
  }

  /** Encodes the added files into a temporary file and uploads it unless the target has it. */
  private EncodedLayer pushAddedLayer(List<AddedFile> files, ImageStore target, long[] uploaded) throws IOException {
    Path layerFile = Files.createTempFile("lazypull-added-", ".tar.zst");
    try {
      EncodedLayer added;
      Progress.Task encoding = progress.start("encoding the added files", AddedLayer.contentBytes(files));
      try (OutputStream out = Files.newOutputStream(layerFile)) {
        long[] reported = {0};
        added = AddedLayer.encode(files, options.sourceDateEpoch(), options.encoder(), out, done -> {
          encoding.advance(done - reported[0]);
          reported[0] = done;
        });
      }
      encoding.done(added.entryCount() + " entries, " + Progress.bytes(added.compressedSize()) + " lazy layer");
      if (target.blobSize(added.digest()).isEmpty()) {
        progress.message("uploading the added layer (" + Progress.bytes(added.compressedSize()) + ")");
        target.putBlob(added.digest(), added.compressedSize(), layerFile);
        uploaded[0] += added.compressedSize();
      }
      return added;
    } finally {
      Files.deleteIfExists(layerFile);
    }
  }

  private Descriptor pushConfig(BuildSpec spec, LazyBase lazyBase, EncodedLayer added, Digest hash, ImageStore target,
      long[] uploaded) throws IOException {
    byte[] baseConfig = readAll(lazyBase.store, lazyBase.manifest.config());
    byte[] config = ConfigOverlay.apply(
        baseConfig, spec, added.diffId(), options.sourceDateEpoch(), hash.hex().substring(0, BuildHash.TAG_HEX_DIGITS));
    Digest digest = Digest.sha256(config);
    if (target.blobSize(digest).isEmpty()) {
      target.putBlob(digest, config);
      uploaded[0] += config.length;
    }
    return new Descriptor(MediaTypes.OCI_CONFIG, digest, config.length);
  }

  private record LazyBase(ImageManifest manifest, ImageStore store, int reused, int converted, long bytesUploaded) {}

  private LazyBase lazyBase(ResolvedBase resolved, ImageStore base, ImageStore target) throws IOException {
    if (resolved.isLazy()) {
      return new LazyBase(resolved.manifest(), base, resolved.manifest().layers().size(), 0, 0);
    }
    String conversionTag = conversionTag(resolved.manifestBytes().digest());
    Optional<Digest> remembered = target.resolve(conversionTag);
    if (remembered.isPresent()) {
      ManifestBytes m = target.getManifest(remembered.get().toString());
      ImageManifest parsed = OciJson.parseManifest(m.bytes(), m.mediaType());
      if (LazyAnnotations.isLazyManifest(parsed.annotations())) {
        progress.message("base already converted: " + target.name() + ":" + conversionTag);
        return new LazyBase(parsed, target, parsed.layers().size(), 0, 0);
      }
      progress.message(target.name() + ":" + conversionTag + " is not a lazy image; converting the base again");
    }
    progress.message("converting the base (once; remembered as " + target.name() + ":" + conversionTag + ")");
    ConvertOptions convert = ConvertOptions.defaults().withEncoder(options.encoder()).withPlatform(options.platform());
    ConversionResult c = new ImageConverter(base, target, convert, progress).convert(resolved.manifestBytes(), conversionTag);
    ImageManifest parsed = OciJson.parseManifest(c.manifest().bytes(), c.manifest().mediaType());
    int converted = c.layersConverted();
    return new LazyBase(parsed, target, parsed.layers().size() - converted, converted, c.lazyBytes());
  }

  private void applyExtraTags(BuildSpec spec, ImageStore target, ManifestBytes manifest) throws IOException {
    for (String extra : spec.extraTags()) {
      Optional<Digest> current = target.resolve(extra);
      if (current.isEmpty() || !current.get().equals(manifest.digest())) {
        target.putManifest(extra, manifest.mediaType(), manifest.bytes());
        progress.message("tagged " + target.name() + ":" + extra);
      }
    }
  }

  private static byte[] readAll(ImageStore store, Descriptor blob) throws IOException {
    try (var in = store.openBlob(blob.digest())) {
      return in.readAllBytes();
    }
  }

  private static String reference(ImageStore target, String tag, Digest digest) {
    return target.name() + ":" + tag + "@" + digest;
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
