package dev.lazypull.builder.overlay;

import dev.lazypull.builder.overlay.files.AddedFile;
import dev.lazypull.builder.overlay.spec.BuildSpec;
import dev.lazypull.oci.Digest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;

/**
 * The content hash that names a build: SHA-256 over a canonical, length-prefixed encoding of
 * everything that determines the image's bytes: the base's resolved digest, every setting, the
 * added files (path, type, mode, size, content digest, link target), the layer mtime and the
 * format and encoder identity. Nothing machine-specific (source paths, time, user) goes in, so
 * the same inputs give the same tag anywhere, and any change gives a new one.
 *
 * <p>Neither the target repository nor the extra tags are hashed: they say where the image goes,
 * not what it is.
 */
public final class BuildHash {
  /** Bumped whenever the meaning of a build's inputs changes, so old tags are not reused. */
  static final String SCHEME = "lazypull-build/1";

  /** Hex digits of the hash in the tag: 80 bits, no collision among any repository's builds. */
  public static final int TAG_HEX_DIGITS = 20;

  private final MessageDigest sha = Digest.newSha256();

  private BuildHash() {}

  public static Digest compute(
      BuildSpec spec, Digest baseDigest, List<AddedFile> files, long mtimeSeconds, String encoderIdentity) {
    BuildHash h = new BuildHash();
    h.str("scheme", SCHEME);
    h.str("encoder", encoderIdentity);
    h.str("base", baseDigest.toString());
    h.map("env", spec.env());
    h.str("workdir", spec.workdir());
    h.list("entrypoint", spec.entrypoint());
    h.list("cmd", spec.cmd());
    h.str("user", spec.user());
    h.map("labels", spec.labels());
    if (!spec.record().isEmpty()) {
      // Only when set, so that the tags of builds that record nothing stay what they were.
      h.list("record", spec.record());
    }
    h.num("mtime", mtimeSeconds);
    h.num("files", files.size());
    for (AddedFile f : files) {
      h.str("path", f.path());
      h.num("mode", f.mode());
      switch (f) {
        case AddedFile.Directory d -> h.str("type", "dir");
        case AddedFile.Symlink s -> {
          h.str("type", "symlink");
          h.str("target", s.target());
        }
        case AddedFile.RegularFile r -> {
          h.str("type", "file");
          h.num("size", r.size());
          h.str("sha256", r.sha256().toString());
        }
      }
    }
    return Digest.of(h.sha.digest());
  }

  /** {@code NAME-<first TAG_HEX_DIGITS hex digits>}. */
  public static String tag(String name, Digest hash) {
    return name + "-" + hash.hex().substring(0, TAG_HEX_DIGITS);
  }

  private void str(String field, String value) {
    bytes(field.getBytes(StandardCharsets.UTF_8));
    if (value == null) {
      sha.update((byte) 0);
    } else {
      sha.update((byte) 1);
      bytes(value.getBytes(StandardCharsets.UTF_8));
    }
  }

  private void num(String field, long value) {
    bytes(field.getBytes(StandardCharsets.UTF_8));
    sha.update(ByteBuffer.allocate(8).putLong(value).array());
  }

  private void list(String field, List<String> values) {
    if (values == null) {
      str(field, null);
      return;
    }
    num(field, values.size());
    values.forEach(v -> str("item", v));
  }

  private void map(String field, Map<String, String> values) {
    num(field, values.size());
    values.forEach((k, v) -> {
      str("key", k);
      str("value", v);
    });
  }

  private void bytes(byte[] b) {
    sha.update(ByteBuffer.allocate(4).putInt(b.length).array());
    sha.update(b);
  }

}
