package dev.lazypull.testkit.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.testkit.tree.TreeSnapshot;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The synthetic feature image, unpacked by umoci, has every feature it promises, and two
 * extractions give the same tree: the oracle is stable before anything is compared with it.
 */
class SyntheticImagesIT {
  @TempDir Path tmp;

  @Test
  void umociUnpacksTheFeatureImageReproduciblyWithEveryFeature() throws Exception {
    Path layout = tmp.resolve("layout");
    SyntheticImages.write(layout, TestLayout.Compression.GZIP, TestLayout.Flavor.OCI);
    TreeSnapshot first = TreeSnapshot.of(Unpacker.unpack(layout, SyntheticImages.TAG, tmp.resolve("b1")));
    TreeSnapshot second = TreeSnapshot.of(Unpacker.pullAndUnpack("oci:" + layout + ":" + SyntheticImages.TAG, tmp.resolve("b2")));
    first.assertSameAs(second, "two extractions of the synthetic image");

    assertThat(first.get("var/old/file")).as("whiteout applied").isNull();
    assertThat(first.get("var/old/kept")).isNotNull();
    assertThat(first.get("var/old-dir")).as("directory whiteout applied").isNull();
    assertThat(first.nodes().keySet().stream().filter(p -> p.startsWith("opaque-dir/")))
        .as("opaque directory").containsExactly("opaque-dir/z");
    assertThat(first.get("usr/bin/lower-hardlink").hardlinkGroup()).isEqualTo(first.get("usr/lib/libfoo.so.1").hardlinkGroup())
        .isNotNull();
    assertThat(first.get("usr/lib/libfoo-hard.so.1").hardlinkGroup()).isEqualTo("usr/bin/lower-hardlink");
    assertThat(first.get("dev/null").type()).isEqualTo('c');
    assertThat(first.get("dev/null").devMajor()).isEqualTo(1);
    assertThat(first.get("dev/null").devMinor()).isEqualTo(3);
    assertThat(first.get("dev/loop0").type()).isEqualTo('b');
    assertThat(first.get("run/initctl").type()).isEqualTo('p');
    assertThat(first.get("usr/bin/sudo").mode()).isEqualTo(04755);
    assertThat(first.get("usr/bin/wall").mode()).isEqualTo(02755);
    assertThat(first.get("tmp").mode()).isEqualTo(01770);
    assertThat(first.get("usr/bin/ping").xattrs()).containsKey("security.capability");
    assertThat(first.get("usr/lib/libfoo.so.1").xattrs()).containsKey("user.mime_type");
    assertThat(first.get("usr/lib/libfoo.so.1").mtimeNanos() % 1_000_000_000L).isEqualTo(123_456_789L);
    assertThat(first.get("usr/share/doc/pax-owner").uid()).isEqualTo(2_000_000_000);
    assertThat(first.get("opt/gnu-owner").uid()).isEqualTo(10_000_000);
    assertThat(first.get("opt/gnu-link").linkTarget()).isEqualTo("/" + SyntheticImages.LONG_GNU_DIR + "/gnu-file");
    assertThat(first.get(SyntheticImages.LONG_PAX_DIR + "/README-with-a-name-that-is-long-as-well.txt")).isNotNull();
    assertThat(first.get(SyntheticImages.USTAR_PREFIX_DIR + "/prefixed")).isNotNull();
    assertThat(first.get("etc/motd").type()).isEqualTo('l');
    assertThat(first.get("etc/hosts").mtimeNanos() % 1_000_000_000L).isEqualTo(999_999_999L);
  }
}
