package dev.lazypull.benchmarks.pulltime.full;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.benchmarks.pulltime.Commands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two layers made by GNU tar (gzip and zstd), the upper one deleting a file and making a directory
 * opaque with OCI whiteouts, unpacked and mounted as overlayfs: the merged tree is what the OCI
 * spec says, and tar's modes, owners, hardlinks and symlinks survive.
 */
class LayerUnpackerIT {
  @TempDir Path tmp;

  @Test
  void whiteoutsAndOpaqueDirectoriesApplyThroughOverlayfs() throws Exception {
    Path base = Files.createDirectories(tmp.resolve("src/base"));
    Files.writeString(base.resolve("gone"), "deleted by the upper layer");
    Files.writeString(base.resolve("kept"), "stays");
    Files.createDirectories(base.resolve("etc/conf.d"));
    Files.writeString(base.resolve("etc/conf.d/old"), "hidden by the opaque dir");
    Files.writeString(base.resolve("setuid"), "x");
    Files.createLink(base.resolve("hardlink"), base.resolve("kept"));
    Files.createSymbolicLink(base.resolve("symlink"), Path.of("kept"));
    Commands.run("chown", "1234:5678", base.resolve("kept").toString());
    Commands.run("chmod", "4755", base.resolve("setuid").toString());

    Path top = Files.createDirectories(tmp.resolve("src/top"));
    Files.writeString(top.resolve(".wh.gone"), "");
    Files.createDirectories(top.resolve("etc/conf.d"));
    Files.writeString(top.resolve("etc/conf.d/.wh..wh..opq"), "");
    Files.writeString(top.resolve("etc/conf.d/new"), "from the top layer");

    Path baseTar = tmp.resolve("base.tar.gz");
    Path topTar = tmp.resolve("top.tar.zst");
    Commands.run("tar", "-czf", baseTar.toString(), "--numeric-owner", "-C", base.toString(), ".");
    Commands.run("tar", "--zstd", "-cf", topTar.toString(), "-C", top.toString(), ".");

    Path l1 = tmp.resolve("snap/1/fs");
    Path l2 = tmp.resolve("snap/2/fs");
    LayerUnpacker.unpack(baseTar, l1);
    LayerUnpacker.unpack(topTar, l2);

    try (OverlayRootfs root = OverlayRootfs.mount(List.of(l1, l2), tmp.resolve("rootfs"), tmp.resolve("rw"))) {
      Path r = root.path();
      assertThat(r.resolve("gone")).doesNotExist();
      assertThat(r.resolve(".wh.gone")).doesNotExist();
      assertThat(Files.readString(r.resolve("kept"), StandardCharsets.UTF_8)).isEqualTo("stays");
      assertThat(Commands.run("stat", "-c", "%u:%g %h", r.resolve("kept").toString()).strip()).isEqualTo("1234:5678 2");
      assertThat(Commands.run("stat", "-c", "%a", r.resolve("setuid").toString()).strip()).isEqualTo("4755");
      assertThat(Files.readSymbolicLink(r.resolve("symlink"))).isEqualTo(Path.of("kept"));
      try (var names = Files.list(r.resolve("etc/conf.d"))) {
        assertThat(names.map(p -> p.getFileName().toString())).containsExactly("new");
      }
    }
    assertThat(tmp.resolve("rw")).doesNotExist();
  }

  @Test
  void unescapesTarsQuoting() {
    assertThat(LayerUnpacker.unescape("a\\\\b")).isEqualTo("a\\b");
    assertThat(LayerUnpacker.unescape("caf\\303\\251/.wh.x")).isEqualTo("café/.wh.x");
    assertThat(LayerUnpacker.unescape("line\\nbreak")).isEqualTo("line\nbreak");
  }
}
