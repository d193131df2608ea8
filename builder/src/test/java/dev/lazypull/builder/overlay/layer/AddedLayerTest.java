package dev.lazypull.builder.overlay.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.builder.overlay.BuildInputException;
import dev.lazypull.builder.overlay.files.AddedFile;
import dev.lazypull.builder.overlay.files.SourceTree;
import dev.lazypull.builder.overlay.spec.AddSpec;
import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.encode.EncoderOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddedLayerTest {
  @TempDir Path dir;

  private List<AddedFile> scan() {
    return SourceTree.scan(List.of(new AddSpec(dir.resolve("src"), "/app")), null);
  }

  @Test
  void sameFilesGiveTheSameLayerBytes() throws IOException {
    Files.createDirectories(dir.resolve("src/sub"));
    Files.writeString(dir.resolve("src/a.txt"), "a".repeat(100_000));
    Files.writeString(dir.resolve("src/sub/b.txt"), "b");
    ByteArrayOutputStream one = new ByteArrayOutputStream();
    ByteArrayOutputStream two = new ByteArrayOutputStream();
    EncodedLayer first = AddedLayer.encode(scan(), 0, EncoderOptions.defaults(), one);
    EncodedLayer second = AddedLayer.encode(scan(), 0, EncoderOptions.defaults().withThreads(1), two);
    assertThat(one.toByteArray()).isEqualTo(two.toByteArray());
    assertThat(first.digest()).isEqualTo(second.digest());
    assertThat(first.entryCount()).isEqualTo(4); // app, app/a.txt, app/sub, app/sub/b.txt
  }

  @Test
  void aFileChangedAfterTheScanFailsTheBuild() throws IOException {
    Files.createDirectories(dir.resolve("src"));
    Files.writeString(dir.resolve("src/a.txt"), "before");
    List<AddedFile> files = scan();
    Files.writeString(dir.resolve("src/a.txt"), "after!");
    assertThatThrownBy(() -> AddedLayer.encode(files, 0, EncoderOptions.defaults(), OutputStream.nullOutputStream()))
        .isInstanceOf(BuildInputException.class).hasMessageContaining("changed while the image was being built");
    Files.writeString(dir.resolve("src/a.txt"), "longer than before");
    assertThatThrownBy(() -> AddedLayer.encode(files, 0, EncoderOptions.defaults(), OutputStream.nullOutputStream()))
        .isInstanceOf(BuildInputException.class).hasMessageContaining("changed size while the image was being built");
  }
}
