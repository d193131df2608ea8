package dev.lazypull.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.fuse.keep.DescriptorStore;
import org.junit.jupiter.api.Test;

class FuseSessionTest {
  private static final Negotiated N = new Negotiated(45, 40, 1 << 20, 128 << 10, 1 << 20, true, true, false, true);

  @Test
  void theNameCarriesEverythingAResumeNeedsAndIsAValidFdName() {
    FuseSession s = new FuseSession("mount-7_a", "0:53", N);
    String name = s.name();
    DescriptorStore.checkName(name);
    assertThat(name).doesNotContain(":").hasSizeLessThan(256);
    assertThat(FuseSession.parse(name)).contains(s);
    FuseSession longest = new FuseSession("k".repeat(64), "4294967295:4294967295",
        new Negotiated(999, 999, 999_999_999, 1 << 20, 999_999_999, true, true, true, true));
    assertThat(longest.name()).hasSizeLessThan(256);
    assertThat(FuseSession.parse(longest.name())).contains(longest);
  }

  @Test
  void otherNamesAndMalformedOnesAreNoSession() {
    String good = new FuseSession("k", "0:53", N).name();
    assertThat(FuseSession.parse("listen-socket")).isEmpty();
    assertThat(FuseSession.parse(good + "x")).isEmpty();
    assertThat(FuseSession.parse(good.replace(".w131072", ".w100"))).as("max_write below 4 KiB").isEmpty();
    assertThat(FuseSession.parse(good.replace(".v45-40", ".v30-40"))).as("minor above the kernel's").isEmpty();
    assertThat(FuseSession.parse(good.replace(".k.", "./.."))).isEmpty();
  }

  @Test
  void keysAndDevicesAreChecked() {
    assertThatThrownBy(() -> new FuseSession("a/b", "0:1", N)).hasMessageContaining("session key");
    assertThatThrownBy(() -> new FuseSession("k".repeat(65), "0:1", N)).hasMessageContaining("session key");
    assertThatThrownBy(() -> new FuseSession("k", "0-1", N)).hasMessageContaining("MAJOR:MINOR");
    assertThatThrownBy(() -> DescriptorStore.checkName("a:b")).hasMessageContaining("':'");
    assertThatThrownBy(() -> DescriptorStore.checkName("a b")).hasMessageContaining("spaces");
  }
}
