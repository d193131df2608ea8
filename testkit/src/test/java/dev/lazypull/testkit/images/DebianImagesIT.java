package dev.lazypull.testkit.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.testkit.tree.TreeSnapshot;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cached Debian images are real: python runs numpy in the related image, built on the python image. */
class DebianImagesIT {
  @TempDir Path tmp;

  @Test
  void theRelatedImageRunsNumpyAndSharesItsBase() throws Exception {
    DebianImages images = DebianImages.get();
    Path rootfs = Unpacker.unpack(images.layout(), DebianImages.PYTHON_APP, tmp.resolve("app"));
    String out = Commands.run(120, "chroot", rootfs.toString(), "/usr/bin/python3", "/app/main.py");
    assertThat(out).contains("lazypull test app 15");
    TreeSnapshot tree = TreeSnapshot.of(rootfs);
    assertThat(tree.get("usr/lib/python3/dist-packages/numpy/__init__.py")).isNotNull();
    assertThat(tree.get("var/cache/apt/archives/partial")).isNotNull();
    assertThat(tree.nodes().keySet()).noneMatch(p -> p.startsWith("var/lib/apt/lists/") && p.endsWith("Packages"));
    assertThat(tree.countsByType().get('f')).isGreaterThan(5000);
    assertThat(tree.countsByType().get('l')).isGreaterThan(500);
  }
}
