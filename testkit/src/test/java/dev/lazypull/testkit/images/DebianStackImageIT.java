package dev.lazypull.testkit.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lazypull.testkit.tree.TreeSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The big stack image is real: over 1 GB unpacked, three layers on the small images' two, and its
 * start-up imports scipy, pandas and matplotlib. Opt-in ({@code -Dlazypull.test.stack=true}): the
 * first build downloads some 300 MB from Debian's archive, which CI's {@code ./mvnw verify} skips.
 */
@EnabledIfSystemProperty(named = "lazypull.test.stack", matches = "true")
class DebianStackImageIT {
  @TempDir Path tmp;

  @Test
  void theStackImageImportsItsLibrariesAndSharesTheSmallImagesLayers() throws Exception {
    DebianImages stack = DebianImages.stack();
    Path rootfs = Unpacker.unpack(stack.layout(), DebianImages.PYTHON_STACK, tmp.resolve("stack"));
    String out = Commands.run(300, "chroot", rootfs.toString(), "/usr/bin/python3", "-c",
        DebianImages.STACK_IMPORT + "; print('stack', scipy.__version__, pandas.__version__, matplotlib.__version__)");
    assertThat(out).contains("stack 1.10");
    long bytes = Long.parseLong(Commands.run(300, "du", "-sb", rootfs.toString()).split("\\s+")[0]);
    assertThat(bytes).isGreaterThan(1_000_000_000L);
    TreeSnapshot tree = TreeSnapshot.of(rootfs);
    assertThat(tree.get("usr/lib/python3/dist-packages/sklearn/__init__.py")).isNotNull();
    // Built on the python image: its two layers are the stack's first two, byte for byte.
    assertThat(layers(stack.reference(DebianImages.PYTHON_STACK)))
        .hasSize(3)
        .startsWith(layers(DebianImages.get().reference(DebianImages.PYTHON)).toArray(String[]::new));
  }

  private static List<String> layers(String reference) throws Exception {
    JsonNode manifest = new ObjectMapper().readTree(Commands.run(60, "skopeo", "inspect", "--raw", reference));
    List<String> digests = new ArrayList<>();
    manifest.get("layers").forEach(l -> digests.add(l.get("digest").asText()));
    return digests;
  }
}
