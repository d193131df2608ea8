package dev.lazypull.builder.overlay.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.builder.overlay.BuildInputException;
import dev.lazypull.builder.overlay.spec.AddSpec;
import dev.lazypull.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceTreeTest {
  @TempDir Path dir;

  private Path write(String rel, String content) throws IOException {
    Path p = dir.resolve(rel);
    Files.createDirectories(p.getParent());
    return Files.writeString(p, content);
  }

  @Test
  void walksSortedWithNormalisedModesParentsAndIgnoreRules() throws IOException {
    write("src/app.py", "print(1)");
    Path tool = write("src/bin/tool", "#!/bin/sh");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx------"));
    write("src/.git/HEAD", "ref");
    write("src/cache/x.pyc", "x");
    write("src/.dockerignore", ".git\n**/*.pyc\n");
    Files.createSymbolicLink(dir.resolve("src/link"), Path.of("app.py"));
    Files.setPosixFilePermissions(dir.resolve("src/app.py"), PosixFilePermissions.fromString("rw-------"));

    List<AddedFile> files = SourceTree.scan(List.of(new AddSpec(dir.resolve("src"), "/opt/app")), null);

    assertThat(files).extracting(AddedFile::path).containsExactly(
        "opt", "opt/app", "opt/app/.dockerignore", "opt/app/app.py", "opt/app/bin", "opt/app/bin/tool", "opt/app/cache", "opt/app/link");
    assertThat(files.get(3)).isEqualTo(new AddedFile.RegularFile(
        "opt/app/app.py", 0644, 8, Digest.sha256("print(1)".getBytes()), dir.resolve("src/app.py")));
    assertThat(files.get(5).mode()).isEqualTo(0755);
    assertThat(files.get(7)).isEqualTo(new AddedFile.Symlink("opt/app/link", "app.py"));
  }

  @Test
  void reincludedFileInsideAnExcludedDirectoryGetsItsParent() throws IOException {
    write("src/docs/keep.txt", "k");
    write("src/docs/drop.txt", "d");
    Path ignore = write("ignore", "docs\n!docs/keep.txt\n");
    List<AddedFile> files = SourceTree.scan(List.of(new AddSpec(dir.resolve("src"), "/a")), ignore);
    assertThat(files).extracting(AddedFile::path).containsExactly("a", "a/docs", "a/docs/keep.txt");
  }

  @Test
  void singleFilesGoToTheDestinationOrIntoADirectory() throws IOException {
    Path f = write("config.yaml", "k: v");
    List<AddedFile> files = SourceTree.scan(
        List.of(new AddSpec(f, "/etc/app/"), new AddSpec(f, "/etc/app.yaml")), null);
    assertThat(files).extracting(AddedFile::path).containsExactly("etc", "etc/app", "etc/app.yaml", "etc/app/config.yaml");
  }

  @Test
  void aSymlinkNamedAsTheSourceIsFollowed() throws IOException {
    write("real/a.txt", "a");
    Files.createSymbolicLink(dir.resolve("linked"), dir.resolve("real"));
    Files.createSymbolicLink(dir.resolve("file-link"), dir.resolve("real/a.txt"));
    List<AddedFile> files = SourceTree.scan(
        List.of(new AddSpec(dir.resolve("linked"), "/d"), new AddSpec(dir.resolve("file-link"), "/f/")), null);
    assertThat(files).extracting(AddedFile::path).containsExactly("d", "d/a.txt", "f", "f/file-link");
    assertThat(files.get(3)).isInstanceOf(AddedFile.RegularFile.class);
  }

  @Test
  void clearErrorsForMissingSpecialAndEscapingPaths() throws Exception {
    assertThatThrownBy(() -> SourceTree.scan(List.of(new AddSpec(dir.resolve("nope"), "/a")), null))
        .isInstanceOf(BuildInputException.class).hasMessageContaining("nope does not exist");
    Path fifo = dir.resolve("src/pipe");
    Files.createDirectories(fifo.getParent());
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    assertThatThrownBy(() -> SourceTree.scan(List.of(new AddSpec(dir.resolve("src"), "/a")), null))
        .hasMessageContaining("pipe: only regular files, directories and symlinks can be added");
    write("f", "x");
    assertThatThrownBy(() -> SourceTree.scan(List.of(new AddSpec(dir.resolve("f"), "/a/../../etc/x")), null))
        .hasMessageContaining("must not contain '..'");
  }
}
