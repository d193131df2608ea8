package dev.lazypull.agent.warmup;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.format.encode.LayerEncoder;
import dev.lazypull.format.tar.TarReader;
import dev.lazypull.format.tar.TarRecord;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny lazy image made in memory by the format's own encoder: two layers (directories, small
 * files, a file large enough to be cut into several chunks, a symlink, and a whiteout in the upper
 * layer of a file of the lower one), so that opening and mounting it runs the paths a real image
 * takes (TOC decoding and verification, the index merge, lookups, reads, chunk verification).
 *
 * @param manifest the manifest's JSON
 * @param blobs    the config and layer blobs, by digest
 * @param files    paths (relative to the image's root) with the bytes a read of them must give
 */
record WarmUpImage(byte[] manifest, Map<Digest, byte[]> blobs, Map<String, byte[]> files) {
  static final String REPOSITORY = "lazypull/warm-up";
  static final String TAG = "v1";
  private static final int BLOCK = 512;
  /** Several chunks of the encoder's default size (64-256 KiB, cut by FastCDC). */
  private static final int LARGE_FILE_BYTES = 600 << 10;

  static WarmUpImage build() throws IOException {
    byte[] large = largeFile();
    byte[] hostname = "warm-up\n".getBytes(StandardCharsets.UTF_8);
    byte[] script = "print('lazypull')\n".getBytes(StandardCharsets.UTF_8);
    Tar lower = new Tar().dir("bin").dir("etc").file("etc/hostname", hostname).file("etc/gone", hostname)
        .file("bin/tool", large).symlink("bin/link", "tool");
    Tar upper = new Tar().dir("app").file("app/main.py", script).file("etc/.wh.gone", new byte[0]);
    Map<Digest, byte[]> blobs = new HashMap<>();
    List<Descriptor> layers = new ArrayList<>();
    List<String> diffIds = new ArrayList<>();
    for (Tar t : List.of(lower, upper)) {
      byte[] tar = t.finish();
      ByteArrayOutputStream blob = new ByteArrayOutputStream();
      EncodedLayer encoded = encode(tar, blob);
      blobs.put(encoded.digest(), blob.toByteArray());
      layers.add(encoded.descriptor());
      diffIds.add("\"" + encoded.diffId() + "\"");
    }
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
        + String.join(",", diffIds) + "]}}").getBytes(StandardCharsets.UTF_8);
    Digest configDigest = Digest.sha256(config);
    blobs.put(configDigest, config);
    byte[] manifest = ImageManifest.oci(new Descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length), layers).toJson();
    return new WarmUpImage(manifest, Map.copyOf(blobs),
        Map.of("bin/tool", large, "etc/hostname", hostname, "app/main.py", script, "bin/link", large));
  }

  /** The tar through the same reader and encoder as a conversion ({@code LayerConverter}), with one compression thread. */
  private static EncodedLayer encode(byte[] tar, ByteArrayOutputStream out) throws IOException {
    EncoderOptions d = EncoderOptions.defaults();
    EncoderOptions options = new EncoderOptions(d.level(), d.minChunk(), d.avgChunk(), d.maxChunk(), d.groupTarget(),
        d.largeFileThreshold(), 1);
    try (LayerEncoder encoder = new LayerEncoder(out, options)) {
      TarReader reader = new TarReader(new ByteArrayInputStream(tar), "warm-up", path -> false);
      TarRecord r;
      while ((r = reader.next()) != null) {
        encoder.addEntry(r.entry(), r.rawHeader(), r.data(), r.paddedDataLength());
      }
      encoder.finishTar(reader.trailer());
      return encoder.finish();
    }
  }

  /** Text-like bytes (compressible as a program's files are), different on every line. */
  private static byte[] largeFile() {
    StringBuilder s = new StringBuilder(LARGE_FILE_BYTES + 64);
    for (int i = 0; s.length() < LARGE_FILE_BYTES; i++) {
      s.append("line ").append(i).append(' ').append(Integer.toHexString(i * 0x9E3779B1)).append('\n');
    }
    return s.substring(0, LARGE_FILE_BYTES).getBytes(StandardCharsets.US_ASCII);
  }

  /** A ustar archive written entry by entry: all a two-layer test image needs. */
  private static final class Tar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Tar dir(String path) {
      header(path + "/", '5', 0755, 0, "");
      return this;
    }

    Tar file(String path, byte[] content) {
      header(path, '0', 0644, content.length, "");
      out.writeBytes(content);
      out.writeBytes(new byte[(BLOCK - content.length % BLOCK) % BLOCK]);
      return this;
    }

    Tar symlink(String path, String target) {
      header(path, '2', 0777, 0, target);
      return this;
    }

    byte[] finish() {
      out.writeBytes(new byte[2 * BLOCK]);
      return out.toByteArray();
    }

    private void header(String name, char type, int mode, long size, String link) {
      byte[] h = new byte[BLOCK];
      put(h, 0, 100, name);
      octal(h, 100, 8, mode);
      octal(h, 108, 8, 0);
      octal(h, 116, 8, 0);
      octal(h, 124, 12, size);
      octal(h, 136, 12, 1_700_000_000L);
      h[156] = (byte) type;
      put(h, 157, 100, link);
      put(h, 257, 6, "ustar");
      put(h, 263, 2, "00");
      java.util.Arrays.fill(h, 148, 156, (byte) ' ');
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      String checksum = String.format(java.util.Locale.ROOT, "%06o", sum);
      put(h, 148, 6, checksum);
      h[154] = 0;
      h[155] = ' ';
      out.writeBytes(h);
    }

    private static void put(byte[] h, int at, int width, String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      if (b.length > width) {
        throw new IllegalArgumentException("tar field too long: " + s);
      }
      System.arraycopy(b, 0, h, at, b.length);
    }

    private static void octal(byte[] h, int at, int width, long value) {
      put(h, at, width - 1, String.format(java.util.Locale.ROOT, "%0" + (width - 1) + "o", value));
    }
  }
}
