package dev.lazypull.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.Platform;
import dev.lazypull.registry.layout.OciLayoutStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * A real image made from files already on the machine: one tar+gzip layer holding a JDK's home
 * directory at the image root (so {@code /bin/java} is the JDK's launcher), with an OCI config
 * and manifest, tagged in an OCI image layout. GNU tar writes the layer with a fixed order, owner
 * and mtime, so the same JDK gives the same digests on every run and the demo reuses it.
 */
public final class JdkImage {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JdkImage() {}

  /** The layout's manifest for {@code tag}, building the image first when the tag is absent. */
  public static Descriptor ensure(Path javaHome, OciLayoutStore layout, String tag) throws IOException, InterruptedException {
    for (Descriptor d : layout.index().manifests()) {
      if (tag.equals(d.annotations().get(OciLayoutStore.REF_NAME))) {
        return d;
      }
    }
    return build(javaHome, layout, tag);
  }

  private static Descriptor build(Path javaHome, OciLayoutStore layout, String tag) throws IOException, InterruptedException {
    if (!Files.isExecutable(javaHome.resolve("bin/java"))) {
      throw new IOException(javaHome + " is not a JDK home (no bin/java)");
    }
    Path tmp = Files.createTempFile(layout.directory(), "layer-", ".tar.gz.tmp");
    try {
      MessageDigest compressed = Digest.newSha256();
      MessageDigest uncompressed = Digest.newSha256();
      long size = writeLayer(javaHome, tmp, compressed, uncompressed);
      Digest layerDigest = Digest.of(compressed.digest());
      Digest diffId = Digest.of(uncompressed.digest());
      layout.putBlob(layerDigest, size, tmp);

      byte[] config = config(diffId);
      Digest configDigest = Digest.sha256(config);
      layout.putBlob(configDigest, config);
      ImageManifest manifest = ImageManifest.oci(
          new Descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length),
          List.of(new Descriptor(MediaTypes.OCI_LAYER_GZIP, layerDigest, size)));
      byte[] bytes = manifest.toJson();
      Digest digest = layout.putManifest(tag, MediaTypes.OCI_MANIFEST, bytes);
      return new Descriptor(MediaTypes.OCI_MANIFEST, digest, bytes.length);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** tar of the JDK home piped through gzip into {@code out}; both digests computed on the way. */
  private static long writeLayer(Path javaHome, Path out, MessageDigest compressed, MessageDigest uncompressed)
      throws IOException, InterruptedException {
    Process tar = new ProcessBuilder(
            "tar", "--create", "--file=-", "--directory=" + javaHome, "--sort=name", "--format=posix",
            "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0",
            "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime", ".")
        .redirectError(ProcessBuilder.Redirect.PIPE)
        .start();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread errors = Thread.ofVirtual().start(() -> {
      try (InputStream e = tar.getErrorStream()) {
        e.transferTo(err);
      } catch (IOException ignored) {
        // only used for the message
      }
    });
    CountingOutputStream count = new CountingOutputStream(new DigestOutputStream(Files.newOutputStream(out), compressed));
    try (InputStream in = tar.getInputStream();
        DigestOutputStream raw = new DigestOutputStream(new FastGzip(count), uncompressed)) {
      in.transferTo(raw);
    }
    int rc = tar.waitFor();
    errors.join();
    if (rc != 0) {
      throw new IOException("tar of " + javaHome + " failed (exit " + rc + "): " + err.toString(StandardCharsets.UTF_8).strip());
    }
    return count.count;
  }

  private static byte[] config(Digest diffId) throws IOException {
    Platform p = Platform.current();
    ObjectNode c = JSON.createObjectNode();
    c.put("architecture", p.architecture());
    c.put("os", p.os());
    c.putObject("config").putArray("Cmd").add("/bin/java").add("-version");
    ObjectNode rootfs = c.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids").add(diffId.toString());
    return JSON.writeValueAsBytes(c);
  }

  private static final class CountingOutputStream extends java.io.FilterOutputStream {
    long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }

  /** gzip at its fastest level: the demo builds its image once, and a JDK compresses well enough at level 1. */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 1 << 16);
      def.setLevel(java.util.zip.Deflater.BEST_SPEED);
    }
  }
}
