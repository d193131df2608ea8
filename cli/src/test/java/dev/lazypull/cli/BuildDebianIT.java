package dev.lazypull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.testkit.images.DebianImages;
import dev.lazypull.testkit.images.Unpacker;
import dev.lazypull.testkit.registry.RegistryServer;
import dev.lazypull.testkit.tree.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lazypull build} on the real python3 + numpy Debian image, which is not lazy: the first
 * build converts it and remembers the conversion in the target repository, later builds convert
 * nothing, and the result, pulled the normal way (skopeo + umoci), is the base plus the added
 * files, byte for byte.
 */
class BuildDebianIT {
  private final RegistryServer registry = RegistryServer.shared();
  @TempDir Path tmp;

  /** Unpacked root file systems hold absolute symlinks; rm removes them without JUnit's warnings. */
  @org.junit.jupiter.api.AfterEach
  void removeUnpackedTrees() throws IOException, InterruptedException {
    new ProcessBuilder("rm", "-rf", tmp.resolve("pulled").toString(), tmp.resolve("expected").toString())
        .inheritIO().start().waitFor();
  }

  private static CliRun build(String base, String repo, Path src) {
    return CliRun.lazypull("build", "--from", base, "--to", repo, "--add", src + ":/app", "--workdir", "/app",
        "--env", "PYTHONPATH=/app", "--entrypoint", "python3 -m app", "--json");
  }

  private Path source(String name, String version) throws IOException {
    Path src = Files.createDirectories(tmp.resolve(name));
    Files.createDirectories(src.resolve("app"));
    Files.writeString(src.resolve("app/__main__.py"), "import numpy\nprint(numpy.arange(3).sum())\n");
    Files.writeString(src.resolve("app/version.py"), "VERSION = '" + version + "'\n");
    Path tool = Files.writeString(src.resolve("run.sh"), "#!/bin/sh\nexec python3 -m app\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-x---"));
    Files.createSymbolicLink(src.resolve("latest"), Path.of("app"));
    return src;
  }

  @Test
  void convertsTheBaseOnceAndThePulledImageIsBasePlusTheAddedFiles() throws Exception {
    DebianImages images = DebianImages.get();
    String repo = registry.reference("it-build/numpy");
    Path src = source("src", "1");

    CliRun first = build(images.reference(DebianImages.PYTHON), repo, src);
    assertThat(first.exit()).as(first.err()).isZero();
    System.out.println("first build on " + DebianImages.PYTHON + ": " + first.summary());
    assertThat(first.summary()).contains("\"converted\":2", "\"new\":1");

    // Other files on the same base: the remembered conversion is used, nothing is converted.
    Path other = source("other", "2");
    CliRun second = build(images.reference(DebianImages.PYTHON), repo, other);
    assertThat(second.exit()).as(second.err()).isZero();
    System.out.println("other files, same base: " + second.summary());
    assertThat(second.summary()).contains("\"reused\":2", "\"converted\":0", "\"new\":1");
    assertThat(second.lastLine()).isNotEqualTo(first.lastLine());

    String tagged = first.lastLine().substring(0, first.lastLine().indexOf('@'));
    Path built = Unpacker.pullAndUnpack("docker://" + tagged, tmp.resolve("pulled"));
    Path expected = Unpacker.unpack(images.layout(), DebianImages.PYTHON, tmp.resolve("expected"));
    // The layer has no entry for the root, so the root keeps the base's attributes.
    FileTime rootTime = Files.getLastModifiedTime(expected);
    addAsTheBuildSpecifies(src, expected.resolve("app"));
    Files.setLastModifiedTime(expected, rootTime);
    TreeSnapshot.of(built).assertSameAs(TreeSnapshot.of(expected), "built image vs base + added files");

    // Mounted lazily, the base's python3 imports numpy and finds the added package.
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    CliRun mount = CliRun.lazypull("mount", "--root", tmp.resolve("agent").toString(), "--run-dir", tmp.resolve("run").toString(), first.lastLine(),
        mnt.toString());
    assertThat(mount.exit()).as(mount.err()).isZero();
    try {
      Process p = new ProcessBuilder("chroot", mnt.toString(), "/usr/bin/env", "PYTHONPATH=/app", "python3", "-c",
          "import numpy, app.version; print(numpy.arange(4).sum(), app.version.VERSION)").redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(output).isZero();
      assertThat(output.strip()).isEqualTo("6 1");
    } finally {
      CliRun umount = CliRun.lazypull("umount", mnt.toString(), "--run-dir", tmp.resolve("run").toString());
      assertThat(umount.exit()).as(umount.err()).isZero();
    }
  }

  /**
   * Debian's /lib is a symlink to usr/lib (usrmerge). A file added under /lib/ goes to usr/lib, as
   * docker's COPY puts it: writing a directory entry for /lib would replace the symlink and hide
   * the whole of /usr/lib, and the system would not start.
   */
  @Test
  void aFileAddedUnderASymlinkedParentLandsAtTheRealPathAndTheSymlinkStays() throws Exception {
    DebianImages images = DebianImages.get();
    Path lib = Files.writeString(tmp.resolve("libfoo.txt"), "foo\n");
    CliRun build = CliRun.lazypull("build", "--from", images.reference(DebianImages.PYTHON), "--to",
        registry.reference("it-build/numpy"), "--add", lib + ":/lib/x86_64-linux-gnu/", "--json");
    assertThat(build.exit()).as(build.err()).isZero();

    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    CliRun mount = CliRun.lazypull("mount", "--root", tmp.resolve("agent").toString(), "--run-dir", tmp.resolve("run").toString(), build.lastLine(),
        mnt.toString());
    assertThat(mount.exit()).as(mount.err()).isZero();
    try {
      assertThat(Files.readSymbolicLink(mnt.resolve("lib"))).isEqualTo(Path.of("usr/lib"));
      assertThat(mnt.resolve("usr/lib/x86_64-linux-gnu/libfoo.txt")).hasContent("foo");
      // The dynamic loader is found through /lib64 -> usr/lib64 and libc through /lib: the system runs.
      Process p = new ProcessBuilder("chroot", mnt.toString(), "/bin/sh", "-c", "cat /lib/x86_64-linux-gnu/libfoo.txt")
          .redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(output).isZero();
      assertThat(output).isEqualTo("foo\n");
    } finally {
      CliRun umount = CliRun.lazypull("umount", mnt.toString(), "--run-dir", tmp.resolve("run").toString());
      assertThat(umount.exit()).as(umount.err()).isZero();
    }
  }

  /** The added files as the build promises them: root-owned, 0644/0755 by the owner's x bit, dirs 0755, mtime 0. */
  private static void addAsTheBuildSpecifies(Path src, Path dest) throws IOException, InterruptedException {
    Files.createDirectories(dest);
    List<Path> all;
    try (Stream<Path> s = Files.walk(src)) {
      all = s.toList();
    }
    for (Path p : all) {
      Path d = dest.resolve(src.relativize(p).toString());
      if (Files.isSymbolicLink(p)) {
        Files.createSymbolicLink(d, Files.readSymbolicLink(p));
      } else if (Files.isDirectory(p)) {
        Files.createDirectories(d);
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
      } else {
        Files.copy(p, d, StandardCopyOption.REPLACE_EXISTING);
        boolean exec = Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE);
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    // mtimes last, deepest first, so creating children does not touch a parent's time again
    for (Path p : all.reversed()) {
      Path d = dest.resolve(src.relativize(p).toString());
      if (!Files.isSymbolicLink(d)) {
        Files.setLastModifiedTime(d, FileTime.fromMillis(0));
      } else {
        new ProcessBuilder("touch", "-h", "-d", "@0", d.toString()).start().waitFor();
      }
    }
  }
}
