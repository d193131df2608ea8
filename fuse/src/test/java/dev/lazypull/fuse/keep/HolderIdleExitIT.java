package dev.lazypull.fuse.keep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.fuse.sys.LibC;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real holder process exits once it has kept nothing for a while (removing its socket), and
 * the next keep starts a new one: a holder per stopped agent or test run directory does not stay.
 */
@Timeout(120)
class HolderIdleExitIT {
  @TempDir Path work;
  private HolderClient holder;

  @AfterEach
  void tearDown() throws Exception {
    if (holder != null) {
      holder.holderProcess().ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void aHolderKeepingNothingExitsAndTheNextKeepStartsAnother() throws Exception {
    Path socket = work.resolve("run").resolve("holder.sock");
    holder = new HolderClient(socket);
    int fd = LibC.open("/dev/null", LibC.O_RDWR | LibC.O_CLOEXEC);
    try {
      holder.keep("first", fd);
      ProcessHandle first = holder.holderProcess().orElseThrow();
      holder.drop("first");

      assertThat(first.onExit().get(DescriptorHolder.IDLE_EXIT_MILLIS / 1000 + 60, java.util.concurrent.TimeUnit.SECONDS)
          .isAlive()).isFalse();
      assertThat(socket).doesNotExist();
      assertThat(holder.retrieve()).isEmpty(); // asking starts no holder

      holder.keep("second", fd);
      Optional<ProcessHandle> second = holder.holderProcess();
      assertThat(second).isPresent();
      assertThat(second.get().pid()).isNotEqualTo(first.pid());
      Map<String, Integer> kept = holder.retrieve();
      assertThat(kept).containsOnlyKeys("second");
      kept.values().forEach(LibC::close);
      assertThat(Files.readString(Path.of(socket + ".log"))).contains("nothing kept for");
    } finally {
      LibC.close(fd);
    }
  }
}
