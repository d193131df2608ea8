package dev.lazypull.builder.overlay.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.builder.overlay.BuildInputException;
import dev.lazypull.builder.overlay.layer.AddedLayer;
import dev.lazypull.builder.overlay.spec.AddSpec;
import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.format.toc.LayerToc;
import dev.lazypull.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BasePathsTest {
  @TempDir Path dir;
  private Path lib;
  private BasePaths base;

  /** A usrmerge-style base, encoded with the real layer encoder and read back from its TOC. */
  @BeforeEach
  void base() throws IOException {
    lib = dir.resolve("libfoo.so");
    Files.writeString(lib, "ELF");
    TreeMap<String, AddedFile> tree = new TreeMap<>();
    for (String d : List.of("usr", "usr/lib", "usr/lib/x86_64-linux-gnu", "usr/bin", "usr/local", "etc")) {
      tree.put(d, new AddedFile.Directory(d));
    }
    Map.of("lib", "usr/lib", "bin", "/usr/bin", "lib64", "lib", "sbin", "../../usr/bin", "loop1", "loop2",
            "loop2", "/loop1", "opt", "/srv/data/opt", "etc/cfg", "../usr/local/", "etc/sh", "/etc/passwd")
        .forEach((path, target) -> tree.put(path, new AddedFile.Symlink(path, target)));
    tree.put("etc/passwd", new AddedFile.RegularFile("etc/passwd", 0644, 3, Digest.sha256("ELF".getBytes()), lib));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EncodedLayer layer = AddedLayer.encode(List.copyOf(tree.values()), 0, EncoderOptions.defaults(), out);
    byte[] blob = out.toByteArray();
    LayerToc toc = LayerToc.read(Arrays.copyOfRange(blob, (int) layer.toc().offset(), blob.length), layer.descriptor(), layer.toc(),
        IndexBudget.unlimited());
    base = new BasePaths(MergedIndex.of(List.of(toc)));
  }

  private List<String> place(String... destinations) {
    List<AddSpec> adds = new ArrayList<>();
    for (String d : destinations) {
      adds.add(new AddSpec(lib, d));
    }
    return base.place(SourceTree.scan(adds, null)).stream()
        .map(f -> (f instanceof AddedFile.Directory ? "d " : "f ") + f.path())
        .toList();
  }

  @Test
  void relativeSymlinkParentIsFollowedAndExistingDirectoriesAreNotWrittenAgain() {
    assertThat(place("/lib/x86_64-linux-gnu/")).containsExactly("f usr/lib/x86_64-linux-gnu/libfoo.so");
  }

  @Test
  void absoluteSymlinkParent() {
    assertThat(place("/bin/tool")).containsExactly("f usr/bin/tool");
  }

  @Test
  void chainOfSymlinksAndDotDotAboveTheRootStaysInTheRoot() {
    assertThat(place("/lib64/x86_64-linux-gnu/a.so")).containsExactly("f usr/lib/x86_64-linux-gnu/a.so");
    assertThat(place("/sbin/b")).containsExactly("f usr/bin/b");
    assertThat(place("/etc/cfg/c")).containsExactly("f usr/local/c");
  }

  @Test
  void missingParentsAreCreatedAlsoBelowADanglingSymlinkTarget() {
    assertThat(place("/usr/local/app/lib/x.so")).containsExactly(
        "d usr/local/app", "d usr/local/app/lib", "f usr/local/app/lib/x.so");
    assertThat(place("/opt/app/x")).containsExactly("d srv", "d srv/data", "d srv/data/opt", "d srv/data/opt/app",
        "f srv/data/opt/app/x");
  }

  @Test
  void aFileNamedLikeASymlinkReplacesTheSymlinkItself() {
    assertThat(place("/lib")).containsExactly("f lib");
  }

  @Test
  void aSymlinkLoopIsAnError() {
    assertThatThrownBy(() -> place("/loop1/x"))
        .isInstanceOf(BuildInputException.class)
        .hasMessage("cannot add files under /loop1: too many levels of symbolic links in the base image at /loop1");
  }

  @Test
  void aFileInTheMiddleOfThePathIsAnError() {
    assertThatThrownBy(() -> place("/etc/passwd/x"))
        .isInstanceOf(BuildInputException.class)
        .hasMessage("cannot add files under /etc/passwd: /etc/passwd is a file in the base image, not a directory");
    assertThatThrownBy(() -> place("/etc/sh/x"))
        .isInstanceOf(BuildInputException.class)
        .hasMessage("cannot add files under /etc/sh: /etc/passwd is a file in the base image, not a directory");
  }
}
