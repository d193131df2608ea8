package dev.lazypull.registry;

import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A random multi-layer image, written to files, to push and compare against. Layers are real gzip
 * streams (of random bytes of the given sizes), so that tools such as skopeo copy them unchanged.
 */
public record TestImage(byte[] config, List<byte[]> layers, List<Path> layerFiles, ImageManifest manifest) {

  public static TestImage random(Path dir, long seed, int... layerSizes) throws IOException {
    Random random = new Random(seed);
    List<byte[]> layers = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    List<Descriptor> descriptors = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    for (int i = 0; i < layerSizes.length; i++) {
      byte[] raw = new byte[layerSizes[i]];
      random.nextBytes(raw);
      diffIds.add(Digest.sha256(raw));
      java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
      try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
        out.write(raw);
      }
      byte[] layer = gz.toByteArray();
      layers.add(layer);
      files.add(Files.write(dir.resolve("layer-" + seed + "-" + i), layer));
      descriptors.add(new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(layer), layer.length));
    }
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
        + String.join(",", diffIds.stream().map(d -> "\"" + d + "\"").toList())
        + "]},\"config\":{},\"created\":\"2026-01-01T00:00:00Z\",\"history\":[]}").getBytes(StandardCharsets.UTF_8);
    ImageManifest manifest = ImageManifest.oci(new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length), descriptors);
    return new TestImage(config, layers, files, manifest);
  }

  /** Pushes blobs and manifest; returns the manifest digest. */
  public Digest push(ImageStore store, String tag) throws IOException {
    for (int i = 0; i < layers.size(); i++) {
      store.putBlob(manifest.layers().get(i).digest(), layers.get(i).length, layerFiles.get(i));
    }
    store.putBlob(manifest.config().digest(), config);
    return store.putManifest(tag, MediaTypes.OCI_MANIFEST, manifest.toJson());
  }

  public Digest layerDigest(int i) {
    return manifest.layers().get(i).digest();
  }
}
