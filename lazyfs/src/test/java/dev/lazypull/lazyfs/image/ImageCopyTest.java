package dev.lazypull.lazyfs.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.oci.BlobRangeSource;
import dev.lazypull.oci.Digest;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCopyTest {
  @TempDir Path root;

  private static final byte[] MANIFEST = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
  private static final ManifestBytes MB = new ManifestBytes("application/vnd.oci.image.manifest.v1+json",
      Digest.sha256(MANIFEST), MANIFEST);
  private static final Digest BLOB = Digest.sha256("blob".getBytes(StandardCharsets.UTF_8));
  private static final BlobRangeSource SOURCE = (blob, offset, length) -> {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) offset);
    return b;
  };

  private void copyReading(long offset, int length) throws IOException {
    try (ImageCopy.Writer w = ImageCopy.writer(root)) {
      w.recording(SOURCE).read(BLOB, offset, length);
      w.config("{}".getBytes(StandardCharsets.UTF_8));
      w.commit(MB, "reg/app:1");
    }
  }

  @Test
  void aSecondCopyOfTheSameImageAddsItsRangesToTheFirst() throws IOException {
    copyReading(10, 4); // a chain of the lowest layer
    copyReading(20, 8); // a chain of more layers of the same image: more TOCs read
    ImageCopy copy = ImageCopy.open(root, MB.digest());
    assertThat(copy.read(BLOB, 10, 4)).containsOnly(10);
    assertThat(copy.read(BLOB, 20, 8)).containsOnly(20);
    assertThat(copy.source()).isEqualTo("reg/app:1");
    try (var left = Files.list(root)) {
      assertThat(left.map(p -> p.getFileName().toString())).as("no temporary copy left").containsExactly(MB.digest().hex());
    }
  }

  @Test
  void aCorruptManifestIsRefusedAndAMissingRangeNamed() throws IOException {
    copyReading(10, 4);
    assertThatThrownBy(() -> ImageCopy.open(root, MB.digest()).read(BLOB, 0, 4)).hasMessageContaining("lacks bytes 0+4");
    Files.writeString(root.resolve(MB.digest().hex()).resolve("manifest"), "{}");
    assertThatThrownBy(() -> ImageCopy.open(root, MB.digest())).hasMessageContaining("is corrupt");
  }
}
