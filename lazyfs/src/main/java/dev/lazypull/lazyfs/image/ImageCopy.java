package dev.lazypull.lazyfs.image;

import dev.lazypull.oci.BlobRangeSource;
import dev.lazypull.oci.Digest;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A local copy of what mounting an image read from its registry: the manifest, the config and the
 * byte ranges of the layer blobs that hold the TOCs. A restarted agent rebuilds the image's index
 * from it without the network, so an image whose registry is gone still mounts and serves what the
 * chunk cache holds. Nothing in it is trusted: the manifest is checked against the digest that
 * names the copy, the config against the manifest, each TOC against the digest its layer pins.
 *
 * <p>Layout: {@code DIR/<manifest digest hex>/} with {@code manifest}, {@code manifest.type},
 * {@code source} (the image as the user named it, for messages), {@code config}, and
 * {@code ranges/<blob hex>-<offset>-<length>}. It is written to a temporary directory beside it
 * and renamed into place, so a crash never leaves half a copy under a digest name.
 */
public final class ImageCopy implements BlobRangeSource {
  private final Path dir;
  private final ManifestBytes manifest;
  private final String source;

  private ImageCopy(Path dir, ManifestBytes manifest, String source) {
    this.dir = dir;
    this.manifest = manifest;
    this.source = source;
  }

  /** The copy of the manifest {@code digest} under {@code root}; fails naming what is missing or wrong. */
  public static ImageCopy open(Path root, Digest digest) throws IOException {
    Path dir = root.resolve(digest.hex());
    if (!Files.isDirectory(dir)) {
      throw new IOException("no local copy of image " + digest + " under " + root);
    }
    byte[] bytes = Files.readAllBytes(dir.resolve("manifest"));
    if (!Digest.sha256(bytes).equals(digest)) {
      throw new IOException("the local copy of image " + digest + " in " + dir + " is corrupt (manifest digest "
          + Digest.sha256(bytes) + ")");
    }
    String type = Files.readString(dir.resolve("manifest.type"), StandardCharsets.UTF_8).strip();
    String source = Files.readString(dir.resolve("source"), StandardCharsets.UTF_8).strip();
    return new ImageCopy(dir, new ManifestBytes(type, digest, bytes), source);
  }

  /** Whether {@code root} holds a copy of the manifest {@code digest}. */
  public static boolean exists(Path root, Digest digest) {
    return Files.isDirectory(root.resolve(digest.hex()));
  }

  /** Removes the copy of {@code digest}, if any (when its image is no longer mounted anywhere). */
  public static void delete(Path root, Digest digest) throws IOException {
    deleteTree(root.resolve(digest.hex()));
  }

  public ManifestBytes manifest() {
    return manifest;
  }

  /** The image as the user named it when the copy was made. */
  public String source() {
    return source;
  }

  /** The config blob, checked against {@code expected} (the manifest's config digest). */
  public byte[] config(Digest expected) throws IOException {
    byte[] bytes = Files.readAllBytes(dir.resolve("config"));
    if (!Digest.sha256(bytes).equals(expected)) {
      throw new IOException("the local copy of " + source + " holds a config that is not " + expected);
    }
    return bytes;
  }

  @Override
  public byte[] read(Digest blob, long offset, int length) throws IOException {
    Path range = dir.resolve("ranges").resolve(rangeName(blob, offset, length));
    if (!Files.exists(range)) {
      throw new IOException("the local copy of " + source + " lacks bytes " + offset + "+" + length + " of " + blob);
    }
    byte[] bytes = Files.readAllBytes(range);
    if (bytes.length != length) {
      throw new IOException("the local copy of " + range + " is " + bytes.length + " bytes, not " + length);
    }
    return bytes;
  }

  private static String rangeName(Digest blob, long offset, int length) {
    return blob.hex() + "-" + offset + "-" + length;
  }

  /** Starts a copy under {@code root}: ranges are recorded as they are read through {@link Writer#recording}. */
  public static Writer writer(Path root) throws IOException {
    Files.createDirectories(root);
    Path tmp = root.resolve(".tmp-" + UUID.randomUUID());
    Files.createDirectories(tmp.resolve("ranges"));
    return new Writer(root, tmp);
  }

  /** A copy being written; {@link #commit} puts it in place, {@link #close} without commit removes it. */
  public static final class Writer implements AutoCloseable {
    private final Path root;
    private final Path tmp;
    private boolean committed;

    private Writer(Path root, Path tmp) {
      this.root = root;
      this.tmp = tmp;
    }

    /** {@code source}, with every range read through it also written to the copy. */
    public BlobRangeSource recording(BlobRangeSource source) {
      return (blob, offset, length) -> {
        byte[] bytes = source.read(blob, offset, length);
        Files.write(tmp.resolve("ranges").resolve(rangeName(blob, offset, length)), bytes);
        return bytes;
      };
    }

    public byte[] config(byte[] bytes) {
      try {
        Files.write(tmp.resolve("config"), bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes;
    }

    /** Puts the copy of {@code manifest} in place (an existing copy of the same digest stays). */
    public void commit(ManifestBytes manifest, String source) throws IOException {
      Files.write(tmp.resolve("manifest"), manifest.bytes());
      Files.writeString(tmp.resolve("manifest.type"), manifest.mediaType() + "\n");
      Files.writeString(tmp.resolve("source"), source + "\n");
      Path target = root.resolve(manifest.digest().hex());
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
      } catch (FileSystemException e) { // rename(2) onto a copy already there: ENOTEMPTY, a plain FileSystemException
        if (!Files.isDirectory(target)) {
          throw e;
        }
        // Same digest, same content: the copy already there serves, given the ranges this one
        // adds (a containerd chain of more layers of the same image reads more TOCs). Each range
        // is renamed into place whole; all are verified again at restore.
        try (Stream<Path> ranges = Files.list(tmp.resolve("ranges"))) {
          for (Path range : ranges.toList()) {
            Path into = target.resolve("ranges").resolve(range.getFileName());
            if (!Files.exists(into)) {
              Files.move(range, into, StandardCopyOption.ATOMIC_MOVE);
            }
          }
        }
      }
    }

    @Override
    public void close() throws IOException {
      if (!committed) {
        deleteTree(tmp);
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
