package dev.lazypull.builder.layer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.TarEntry;
import org.junit.jupiter.api.Test;

class LowerLayerFilesTest {
  private static TarEntry file(String path) {
    return TarEntry.of(path, EntryType.FILE, 0644, 0);
  }

  private static TarEntry dir(String path) {
    return TarEntry.of(path, EntryType.DIR, 0755, 0);
  }

  @Test
  void whiteoutsHideLowerFilesAsTheyAreRead() {
    LowerLayerFiles lower = new LowerLayerFiles();
    lower.record(dir("etc"));
    lower.record(file("etc/passwd"));
    lower.record(file("etc/group"));
    lower.record(file("var/lib/a"));
    lower.record(file("var/lib/sub/b"));
    lower.record(file("var/lib0"));
    assertThat(lower.contains("etc/passwd")).as("not before the layer is done").isFalse();
    lower.layerDone();
    assertThat(lower.size()).isEqualTo(5);

    lower.record(file("etc/.wh.passwd"));
    assertThat(lower.contains("etc/passwd")).isFalse();
    assertThat(lower.contains("etc/group")).isTrue();
    lower.record(file("var/lib/.wh..wh..opq"));
    assertThat(lower.contains("var/lib/a")).isFalse();
    assertThat(lower.contains("var/lib/sub/b")).isFalse();
    assertThat(lower.contains("var/lib0")).as("a sibling with a common prefix").isTrue();
    lower.record(file("var/lib/new"));
    lower.layerDone();
    assertThat(lower.contains("var/lib/new")).isTrue();
  }

  @Test
  void aFileReplacingADirectoryHidesItsChildren() {
    LowerLayerFiles lower = new LowerLayerFiles();
    lower.record(file("opt/tool/bin"));
    lower.layerDone();
    lower.record(file("opt/tool"));
    lower.layerDone();
    assertThat(lower.contains("opt/tool/bin")).isFalse();
    assertThat(lower.contains("opt/tool")).isTrue();
  }
}
