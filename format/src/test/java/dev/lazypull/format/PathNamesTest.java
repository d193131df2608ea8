package dev.lazypull.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PathNamesTest {

  @Test
  void normalizesTarNames() {
    assertThat(PathNames.normalize("./usr/bin/")).isEqualTo("usr/bin");
    assertThat(PathNames.normalize("/etc/passwd")).isEqualTo("etc/passwd");
    assertThat(PathNames.normalize("usr//lib/./x")).isEqualTo("usr/lib/x");
    assertThat(PathNames.normalize("./")).isEmpty();
    assertThat(PathNames.normalize("a..b/..c")).isEqualTo("a..b/..c");
  }

  @Test
  void rejectsNamesEscapingTheRootOrHoldingNul() {
    assertThatThrownBy(() -> PathNames.normalize("../etc/passwd")).hasMessageContaining("escapes the root");
    assertThatThrownBy(() -> PathNames.normalize("usr/../../etc")).hasMessageContaining("escapes the root");
    assertThatThrownBy(() -> PathNames.normalize("a\0b")).hasMessageContaining("NUL");
    for (String bad : new String[] {"/etc", "etc/", "a//b", "./a", "a/..", "."}) {
      assertThatThrownBy(() -> PathNames.requireNormal(bad)).as(bad).hasMessageContaining("not a normal entry path");
    }
  }

  @Test
  void classifiesWhiteouts() {
    TarEntry whiteout = TarEntry.of("usr/.wh.lib", EntryType.FILE, 0644, 0).classified();
    assertThat(whiteout.type()).isEqualTo(EntryType.WHITEOUT);
    assertThat(whiteout.whiteoutTarget()).isEqualTo("usr/lib");
    TarEntry opaque = TarEntry.of(".wh..wh..opq", EntryType.FILE, 0644, 0).classified();
    assertThat(opaque.type()).isEqualTo(EntryType.OPAQUE);
    assertThat(opaque.whiteoutTarget()).isEmpty();
    assertThat(TarEntry.of("usr/lib", EntryType.DIR, 0755, 0).classified().type()).isEqualTo(EntryType.DIR);
    assertThatThrownBy(() -> TarEntry.of("usr/.wh...", EntryType.FILE, 0644, 0).classified())
        .hasMessageContaining("names no file it could hide");
  }

  @Test
  void entriesRejectInconsistentMetadata() {
    assertThatThrownBy(() -> TarEntry.of("d", EntryType.DIR, 0755, 10)).hasMessageContaining("size 10 for a DIR");
    assertThatThrownBy(() -> TarEntry.of("f", EntryType.FILE, 0100644, 0)).hasMessageContaining("bits outside 07777");
    assertThatThrownBy(() -> new TarEntry("l", EntryType.HARDLINK, 0644, 0, 0, 0, 0, 0, "../x", 0, 0, Map.of()))
        .hasMessageContaining("not a normal entry path");
    assertThatThrownBy(() -> new TarEntry("s", EntryType.SYMLINK, 0777, 0, 0, 0, 0, 0, "", 0, 0, Map.of()))
        .hasMessageContaining("without a link target");
  }
}
