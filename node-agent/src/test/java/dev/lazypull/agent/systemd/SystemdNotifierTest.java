package dev.lazypull.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.fuse.sys.UnixSocket;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemdNotifierTest {

  @Test
  void readyAndStoppingArriveAsDatagramsOnTheNotifySocket(@TempDir Path tmp) throws IOException {
    String path = tmp.resolve("notify").toString();
    try (UnixSocket systemd = UnixSocket.open(UnixSocket.SOCK_DGRAM)) {
      systemd.bind(path);
      SystemdNotifier notifier = SystemdNotifier.of(path);
      assertThat(notifier.enabled()).isTrue();
      notifier.ready("serving");
      notifier.stopping();
      assertThat(systemd.receive().text())
          .startsWith("READY=1\nSTATUS=serving\nMAINPID=" + ProcessHandle.current().pid());
      assertThat(systemd.receive().text()).isEqualTo("STOPPING=1\n");
    }
  }

  @Test
  void withoutNotifySocketNothingIsSent() throws IOException {
    SystemdNotifier none = SystemdNotifier.of("");
    assertThat(none.enabled()).isFalse();
    none.ready("ignored");
  }

  @Test
  void aRelativeOrMissingSocketIsNamedInTheError(@TempDir Path tmp) {
    assertThatThrownBy(() -> SystemdNotifier.of("relative/sock").ready("x")).hasMessageContaining("relative/sock");
    String missing = tmp.resolve("nobody-listens").toString();
    assertThatThrownBy(() -> SystemdNotifier.of(missing).stopping()).isInstanceOf(IOException.class)
        .hasMessageContaining(missing);
  }
}
