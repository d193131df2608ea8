package dev.lazypull.registry.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RedirectMemoryTest {
  private static final URI BLOB = URI.create("https://registry.example/v2/a/blobs/sha256:00");

  @Test
  void readsTheExpiryThatSignedUrlsState() {
    assertThat(RedirectMemory.statedExpiry(URI.create("https://s3.example/b?X-Amz-Date=20261204T200000Z&X-Amz-Expires=600&X-Amz-Signature=x")))
        .isEqualTo(Instant.parse("2026-12-04T20:10:00Z"));
    assertThat(RedirectMemory.statedExpiry(URI.create("https://gcs.example/b?X-Goog-Date=20261204T200000Z&X-Goog-Expires=60")))
        .isEqualTo(Instant.parse("2026-12-04T20:01:00Z"));
    assertThat(RedirectMemory.statedExpiry(URI.create("https://cf.example/b?Expires=1796414400&Signature=x")))
        .isEqualTo(Instant.ofEpochSecond(1796414400L));
    assertThat(RedirectMemory.statedExpiry(URI.create("https://blob.example/b?se=2026-12-04T21%3A00%3A00Z&sig=x")))
        .isEqualTo(Instant.parse("2026-12-04T21:00:00Z"));
    assertThat(RedirectMemory.statedExpiry(URI.create("https://cdn.example/b?token=x"))).isNull();
    assertThat(RedirectMemory.statedExpiry(URI.create("https://cdn.example/b?Expires=soon"))).isNull();
  }

  @Test
  void aTargetIsKeptUntilShortlyBeforeItsExpiryOrUntilForgotten() {
    RedirectMemory memory = new RedirectMemory();
    Instant now = Instant.parse("2026-12-04T20:00:00Z");
    URI signed = URI.create("https://s3.example/b?X-Amz-Date=20261204T200000Z&X-Amz-Expires=600");
    memory.remember(BLOB, signed, now);
    assertThat(memory.lookup(BLOB, now.plusSeconds(500))).isEqualTo(signed);
    assertThat(memory.lookup(BLOB, now.plusSeconds(580))).as("asked again 30 s early").isNull();

    URI plain = URI.create("https://cdn.example/b");
    memory.remember(BLOB, plain, now);
    memory.forget(BLOB, signed); // an older target: the newer one stays
    assertThat(memory.lookup(BLOB, now.plusSeconds(86_400))).isEqualTo(plain);
    memory.forget(BLOB, plain);
    assertThat(memory.lookup(BLOB, now)).isNull();
  }
}
