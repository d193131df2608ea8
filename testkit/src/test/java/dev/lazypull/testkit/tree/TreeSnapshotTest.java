package dev.lazypull.testkit.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeSnapshotTest {
  @TempDir Path tmp;

  private Path sample(String name) throws IOException, InterruptedException {
    Path root = Files.createDirectories(tmp.resolve(name));
    Files.writeString(root.resolve("a.txt"), "hello");
    Files.createDirectories(root.resolve("dir/sub"));
    Files.writeString(root.resolve("dir/sub/b"), "bee");
    Files.createLink(root.resolve("dir/a-link"), root.resolve("a.txt"));
    Files.createSymbolicLink(root.resolve("sym"), Path.of("dir/sub/b"));
    new ProcessBuilder("mkfifo", root.resolve("fifo").toString()).inheritIO().start().waitFor();
    Files.getFileAttributeView(root.resolve("a.txt"), UserDefinedFileAttributeView.class)
        .write("test", ByteBuffer.wrap("v".getBytes(StandardCharsets.UTF_8)));
    // Fixed mtimes everywhere (symlinks too, hence touch -h), so that two samples are equal.
    new ProcessBuilder("find", root.toString(), "-exec", "touch", "-h", "-d", "@1500000000", "{}", "+")
        .inheritIO().start().waitFor();
    Files.setLastModifiedTime(root.resolve("dir/sub/b"), FileTime.from(Instant.ofEpochSecond(1_600_000_000L, 123_456_789)));
    Files.setLastModifiedTime(root.resolve("dir/sub"), FileTime.from(Instant.ofEpochSecond(1_500_000_000L)));
    return root;
  }

  @Test
  void recordsEveryAttribute() throws Exception {
    TreeSnapshot s = TreeSnapshot.of(sample("t"));
    assertThat(s.nodes().keySet()).containsExactly(".", "a.txt", "dir", "dir/a-link", "dir/sub", "dir/sub/b", "fifo", "sym");
    assertThat(s.get("a.txt").type()).isEqualTo('f');
    assertThat(s.get("a.txt").size()).isEqualTo(5);
    assertThat(s.get("a.txt").sha256()).isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assertThat(s.get("a.txt").xattrs()).containsEntry("user.test", "76");
    assertThat(s.get("a.txt").hardlinkGroup()).isEqualTo("a.txt");
    assertThat(s.get("dir/a-link").hardlinkGroup()).isEqualTo("a.txt");
    assertThat(s.get("dir/sub/b").hardlinkGroup()).isNull();
    assertThat(s.get("dir/sub/b").mtimeNanos()).isEqualTo(1_600_000_000_123_456_789L);
    assertThat(s.get("sym").type()).isEqualTo('l');
    assertThat(s.get("sym").linkTarget()).isEqualTo("dir/sub/b");
    assertThat(s.get("fifo").type()).isEqualTo('p');
    assertThat(s.countsByType()).containsEntry('f', 3).containsEntry('d', 3);
  }

  @Test
  void equalTreesHaveNoDifferences() throws Exception {
    TreeSnapshot a = TreeSnapshot.of(sample("a"));
    TreeSnapshot b = TreeSnapshot.of(sample("b"));
    assertThat(a.diff(b)).isEmpty();
    a.assertSameAs(b, "two samples");
  }

  @Test
  void everyKindOfChangeIsReported() throws Exception {
    Path root = sample("c");
    TreeSnapshot before = TreeSnapshot.of(root);
    Files.setPosixFilePermissions(root.resolve("dir/sub/b"), PosixFilePermissions.fromString("rwx------"));
    Files.writeString(root.resolve("a.txt"), "HELLO");
    Files.delete(root.resolve("sym"));
    Files.createSymbolicLink(root.resolve("sym"), Path.of("elsewhere"));
    Files.delete(root.resolve("dir/a-link"));
    Files.writeString(root.resolve("dir/a-link"), "hello");
    Files.writeString(root.resolve("new"), "");
    TreeSnapshot after = TreeSnapshot.of(root);
    String diff = String.join("\n", before.diff(after));
    assertThat(diff)
        .contains("dir/sub/b: mode: 0644 != 0700")
        .contains("a.txt: sha256:")
        .contains("sym: symlink target: dir/sub/b != elsewhere")
        .contains("dir/a-link: hardlink group: a.txt != null")
        .contains("new: only in the second tree (f)");
    assertThatThrownBy(() -> before.assertSameAs(after, "c")).isInstanceOf(AssertionError.class).hasMessageContaining("differences");
  }
}
