package dev.lazypull.snapshotter.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlServerTest {
  @TempDir Path dir;

  @Test
  void answersStatsAndUnmountsOnRequest() throws Exception {
    RunDirectory run = RunDirectory.of(dir.resolve("run"), dir).create();
    CountDownLatch unmounted = new CountDownLatch(1);
    try (ControlServer server = ControlServer.start(run.controlSocket(), () -> "{\"reads\":3}", unmounted::countDown)) {
      assertThat(ControlClient.request(run.controlSocket(), ControlServer.STATS)).isEqualTo("{\"reads\":3}");
      assertThat(ControlClient.request(run.controlSocket(), ControlServer.UMOUNT)).isEqualTo("ok");
      assertThat(unmounted.await(5, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> ControlClient.request(run.controlSocket(), "format-disk"))
          .hasMessageContaining("unknown command");
    }
    assertThat(run.controlSocket()).doesNotExist();
  }

  @Test
  void aMissingDaemonIsAClearError() throws IOException {
    RunDirectory run = RunDirectory.of(dir.resolve("run"), dir);
    assertThatThrownBy(() -> ControlClient.request(run.controlSocket(), ControlServer.STATS))
        .hasMessageContaining("no lazypull mount daemon");
  }

  @Test
  void theRunDirectoryIsKeyedByTheMountPointsRealPathAndPrivate() throws IOException {
    Path mnt = Files.createDirectories(dir.resolve("mnt"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), mnt);
    RunDirectory a = RunDirectory.of(dir.resolve("run"), mnt).create();
    assertThat(RunDirectory.of(dir.resolve("run"), link)).isEqualTo(a);
    assertThat(RunDirectory.of(dir.resolve("run"), dir)).isNotEqualTo(a);
    assertThat(Files.getPosixFilePermissions(a.dir())).hasToString("[OWNER_READ, OWNER_WRITE, OWNER_EXECUTE]");
  }
}
