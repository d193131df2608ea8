package dev.lazypull.lazyfs.mount;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.registry.CredentialSource;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.lazyfs.fetch.FetchOptions;
import dev.lazypull.testkit.images.TestEntry;
import dev.lazypull.testkit.registry.RegistryServer;
import dev.lazypull.testkit.registry.TokenServer;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry whose bearer tokens live 3 s (enforced by the registry itself), read by a real mount
 * for about 20 s: every token expires several times under the reads, and no read fails.
 */
class ExpiringTokensIT {
  @TempDir Path work;

  @Test
  void tokensThatExpireWhileAMountReadsAreRenewedWithoutAFailedRead() throws Exception {
    byte[] data = new byte[8 << 20];
    new Random(3).nextBytes(data);
    Path layout = work.resolve("layout");
    TestImages.writeLayout(layout, "src", List.of(List.of(TestEntry.file("data", data))));
    RegistryOptions anonymous = RegistryOptions.defaults().withCredentials(CredentialSource.none()).withHostsDirectory(null);
    try (TokenServer tokens = TokenServer.start(work.resolve("tokens"));
        RegistryServer registry = RegistryServer.builder().tokenAuth(tokens).start()) {
      try (ImageStore store = ImageStores.open(registry.reference("tokens/expiring"), anonymous)) {
        TestImages.convert(layout, "src", store, "lazy", work.resolve("convert"));
      }
      tokens.issueTokensLiving(Duration.ofSeconds(3));
      int issuedBefore = tokens.tokensIssued();
      // No readahead of ours, no disk cache: every new 64 KiB read reaches the registry.
      MountSettings settings = MountSettings.defaults(null).withFetch(FetchOptions.defaults().withReadahead(0));
      try (ImageStore store = ImageStores.open(registry.reference("tokens/expiring"), anonymous);
          ImageMount m = ImageMount.open(store, "lazy", Files.createDirectories(work.resolve("mnt")), settings);
          RandomAccessFile file = new RandomAccessFile(m.mountPoint().resolve("data").toFile(), "r")) {
        byte[] slice = new byte[64 << 10];
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        // Spread over 20 s (pacing only, nothing is timed): 128 slices, one each ~150 ms.
        for (int i = 0; i < data.length / slice.length && System.nanoTime() < end; i++) {
          file.seek((long) i * slice.length);
          file.readFully(slice);
          assertThat(Arrays.equals(slice, 0, slice.length, data, i * slice.length, (i + 1) * slice.length)).as("slice %d", i).isTrue();
          Thread.sleep(150);
        }
        assertThat(m.stats().snapshot().get(ReadStat.READ_ERRORS)).isZero();
        assertThat(m.stats().snapshot().get(ReadStat.RANGE_FAILURES)).isZero();
      }
      assertThat(tokens.tokensIssued() - issuedBefore).as("tokens renewed as they expired").isGreaterThanOrEqualTo(4);
    }
  }
}
