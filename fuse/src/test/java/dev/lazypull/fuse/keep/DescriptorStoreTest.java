package dev.lazypull.fuse.keep;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DescriptorStoreTest {
  private static final Path HOLDER = Path.of("/run/lazypull/holder.sock");

  @Test
  void systemdKeepsTheDescriptorsOnlyWhenTheUnitHasAStore() {
    assertThat(DescriptorStore.forEnvironment(Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "FDSTORE", "4096"), HOLDER))
        .isInstanceOf(SystemdFdStore.class);
    // Without FileDescriptorStoreMax= systemd would drop the descriptors without a word.
    assertThat(DescriptorStore.forEnvironment(Map.of("NOTIFY_SOCKET", "/run/systemd/notify"), HOLDER))
        .isInstanceOf(HolderClient.class);
    assertThat(DescriptorStore.forEnvironment(Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "FDSTORE", "0"), HOLDER))
        .isInstanceOf(HolderClient.class);
    assertThat(DescriptorStore.forEnvironment(Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "FDSTORE", "lots"), HOLDER))
        .isInstanceOf(HolderClient.class);
    assertThat(DescriptorStore.forEnvironment(Map.of("FDSTORE", "4096"), HOLDER)).isInstanceOf(HolderClient.class);
    assertThat(DescriptorStore.forEnvironment(Map.of(), HOLDER)).isInstanceOf(HolderClient.class)
        .extracting(s -> ((HolderClient) s).socket()).isEqualTo(HOLDER);
  }
}
