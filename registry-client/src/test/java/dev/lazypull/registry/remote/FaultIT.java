package dev.lazypull.registry.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.lazypull.oci.Deadline;
import dev.lazypull.oci.Digest;
import dev.lazypull.registry.CredentialSource;
import dev.lazypull.registry.Credentials;
import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryException;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.TestImage;
import dev.lazypull.testkit.registry.FaultProxy;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faults injected by a proxy in front of the real registry: each retried to success or a clear error in bounded time. */
class FaultIT {
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final RegistryOptions FAST_RETRIES = RegistryOptions.defaults()
      .withCredentials(CredentialSource.none())
      .withRetries(4, Duration.ofMillis(20), Duration.ofSeconds(2))
      .withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(700));

  @TempDir Path tmp;
  private FaultProxy proxy;
  private TestImage image;
  private Digest manifest;
  private ImageStore store;

  @BeforeEach
  void pushThroughTheProxy() throws Exception {
    proxy = FaultProxy.start(RegistryServer.shared().hostPort());
    image = TestImage.random(tmp, 21, 2_000_000);
    store = ImageStores.open(proxy.hostPort() + "/faults/image", FAST_RETRIES);
    manifest = image.push(store, "v1");
  }

  @AfterEach
  void close() throws Exception {
    store.close();
    proxy.close();
  }

  @Test
  void serverErrorsAreRetriedToSuccess() {
    assertTimeoutPreemptively(BOUND, () -> {
      proxy.inject(FaultProxy.status("/manifests/v1", 500, 2));
      proxy.inject(FaultProxy.status("/blobs/", 503, 2));
      assertThat(store.getManifest("v1").digest()).isEqualTo(manifest);
      assertThat(store.readBlobRange(image.layerDigest(0), 10, 100)).isEqualTo(slice(10, 100));
      assertThat(proxy.requests().stream().filter(r -> r.target().endsWith("/manifests/v1") && r.method().equals("GET")).count()).isEqualTo(3);
    });
  }

  @Test
  void persistentServerErrorsFailWithTheCodeAfterTheAttempts() {
    assertTimeoutPreemptively(BOUND, () -> {
      proxy.inject(FaultProxy.status("/manifests/v1", 500, 1000));
      assertThatThrownBy(() -> store.getManifest("v1"))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.SERVER_ERROR);
            assertThat(e.httpStatus()).isEqualTo(500);
          });
      assertThat(proxy.requests().stream().filter(r -> r.target().endsWith("/manifests/v1") && r.method().equals("GET")).count()).isEqualTo(4);
    });
  }

  @Test
  void permanentAnswersEndARangeReadAtOnceNamingBlobRangeAndStatus() {
    assertTimeoutPreemptively(BOUND, () -> {
      for (int status : new int[] {404, 403, 416, 400}) {
        int before = blobGets();
        proxy.inject(FaultProxy.status("/blobs/", status, 1000));
        assertThatThrownBy(() -> store.readBlobRange(image.layerDigest(0), 10, 100, Deadline.after(Duration.ofSeconds(10))))
            .isInstanceOfSatisfying(RegistryException.class, e -> {
              assertThat(e.httpStatus()).isEqualTo(status);
              assertThat(e.getMessage()).contains(image.layerDigest(0).toString()).contains("bytes 10-109").contains("HTTP " + status);
            });
        assertThat(blobGets() - before).as("HTTP %d is not retried", status).isEqualTo(1);
        proxy.clearFaults();
      }
    });
  }

  @Test
  void anUnauthorizedAnswerEndsTheReadAfterOneReauthentication() throws Exception {
    try (ImageStore withCredentials = ImageStores.open(proxy.hostPort() + "/faults/image",
        FAST_RETRIES.withCredentials(CredentialSource.of(Map.of(proxy.hostPort(), new Credentials("user", "secret")))))) {
      proxy.inject(FaultProxy.status("/blobs/", 401, 1000, Map.of("WWW-Authenticate", "Basic realm=\"test\"")));
      int before = blobGets();
      assertThatThrownBy(() -> withCredentials.readBlobRange(image.layerDigest(0), 10, 100, Deadline.after(Duration.ofSeconds(10))))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
            assertThat(e.getMessage()).doesNotContain("secret");
          });
      assertThat(blobGets() - before).as("anonymous, then once with the credentials, then no more").isEqualTo(2);
    }
  }

  @Test
  void transientFailuresAreRetriedUntilTheDeadlineNotTheAttemptCount() {
    assertTimeoutPreemptively(BOUND, () -> {
      // More failures than the 4 attempts a call without deadline gets: the deadline carries it.
      proxy.inject(FaultProxy.status("/blobs/", 503, 6));
      assertThat(store.readBlobRange(image.layerDigest(0), 10, 100, Deadline.after(Duration.ofSeconds(15)))).isEqualTo(slice(10, 100));

      proxy.inject(FaultProxy.status("/blobs/", 503, 1000));
      int before = blobGets();
      assertThatThrownBy(() -> store.readBlobRange(image.layerDigest(0), 10, 100, Deadline.after(Duration.ofMillis(800))))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.httpStatus()).isEqualTo(503);
            assertThat(e.getMessage()).contains("gave up after");
          });
      assertThat(blobGets() - before).as("retried within the deadline").isGreaterThan(1);
    });
  }

  @Test
  void aRetryAfterBeyondTheDeadlineFailsAtOnce() {
    assertTimeoutPreemptively(BOUND, () -> {
      proxy.inject(FaultProxy.tooManyRequests("/blobs/", "2", 1));
      int before = blobGets();
      assertThatThrownBy(() -> store.readBlobRange(image.layerDigest(0), 10, 100, Deadline.after(Duration.ofMillis(500))))
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(429));
      assertThat(blobGets() - before).isEqualTo(1);
    });
  }

  private int blobGets() {
    return (int) proxy.requests().stream().filter(r -> r.method().equals("GET") && r.target().contains("/blobs/sha256:")).count();
  }

  @Test
  void uploadsAreNotRetriedBlindlyButRestartedFromANewSession() {
    assertTimeoutPreemptively(BOUND, () -> {
      TestImage other = TestImage.random(tmp, 22, 50_000);
      var fault = proxy.inject(FaultProxy.status("digest=sha256", 500, 1).onlyFor("PUT"));
      int before = proxy.requests().size();
      other.push(store, "v2");
      assertThat(fault.remaining()).isZero();
      // The failed PUT was not repeated on its old session: the upload restarted with a new POST.
      var sent = proxy.requests().subList(before, proxy.requests().size());
      long posts = sent.stream().filter(r -> r.method().equals("POST") && r.target().contains("/blobs/uploads/")).count();
      long puts = sent.stream().filter(r -> r.method().equals("PUT") && r.target().contains("digest=sha256")).count();
      assertThat(posts).isEqualTo(3); // 2 for the layer (one restart) + 1 for the config
      assertThat(puts).isEqualTo(3);
      try (InputStream in = store.openBlob(other.layerDigest(0))) {
        assertThat(in.readAllBytes()).isEqualTo(other.layers().getFirst());
      }
    });
  }

  @Test
  void tooManyRequestsHonoursRetryAfter() {
    assertTimeoutPreemptively(BOUND, () -> {
      proxy.inject(FaultProxy.tooManyRequests("/manifests/v1", "1", 1));
      long start = System.nanoTime();
      assertThat(store.getManifest("v1").digest()).isEqualTo(manifest);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    });
  }

  @Test
  void tooManyRequestsWithALongWaitFailsAtOnceWithTheWait() {
    assertTimeoutPreemptively(BOUND, () -> {
      proxy.inject(FaultProxy.tooManyRequests("/manifests/v1", "3600", 1));
      assertThatThrownBy(() -> store.getManifest("v1"))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.TOOMANYREQUESTS);
            assertThat(e.getMessage()).contains("3600 s");
          });
    });
  }

  @Test
  void connectionResetMidBodyIsRetriedForRangesAndResumedForStreams() {
    assertTimeoutPreemptively(BOUND, () -> {
      proxy.inject(FaultProxy.resetMidBody("/blobs/", 100_000, 1));
      assertThat(store.readBlobRange(image.layerDigest(0), 5000, 500_000)).isEqualTo(slice(5000, 500_000));

      proxy.inject(FaultProxy.resetMidBody("/blobs/", 700_000, 1));
      try (InputStream in = store.openBlob(image.layerDigest(0))) {
        assertThat(in.readAllBytes()).isEqualTo(image.layers().getFirst());
      }
      assertThat(proxy.requests()).anySatisfy(r -> assertThat(r.headers().get("range")).matches("bytes=\\d+-"));
    });
  }

  @Test
  void aStalledResponseTimesOutAndIsRetried() {
    assertTimeoutPreemptively(BOUND, () -> {
      proxy.inject(FaultProxy.stall("/blobs/", 1));
      assertThat(store.readBlobRange(image.layerDigest(0), 0, 1000)).isEqualTo(slice(0, 1000));

      proxy.inject(FaultProxy.stall("/blobs/", 1000));
      assertThatThrownBy(() -> store.readBlobRange(image.layerDigest(0), 0, 1000))
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT));
    });
  }

  @Test
  void aRegistryIgnoringRangeStillYieldsTheAskedBytes() {
    assertTimeoutPreemptively(BOUND, () -> {
      var fault = proxy.inject(FaultProxy.dropRange("/blobs/", 1));
      assertThat(store.readBlobRange(image.layerDigest(0), 1_234_567, 4321)).isEqualTo(slice(1_234_567, 4321));
      assertThat(fault.remaining()).isZero();
    });
  }

  @Test
  void aBlobsRedirectTargetIsRememberedUntilItFails() throws Exception {
    try (FaultProxy cdn = FaultProxy.start(RegistryServer.shared().hostPort())) {
      proxy.inject(FaultProxy.redirect("/blobs/", "http://localhost:" + cdn.hostPort().split(":")[1], Integer.MAX_VALUE));
      int before = blobGets();
      for (int i = 0; i < 5; i++) {
        assertThat(store.readBlobRange(image.layerDigest(0), i * 1000L, 1000)).isEqualTo(slice(i * 1000, 1000));
      }
      assertThat(blobGets() - before).as("the registry is asked once, the CDN serves every range").isEqualTo(1);
      assertThat(cdn.requests()).hasSize(5);

      // The CDN refuses the remembered URL (expired signature): the registry is asked again.
      cdn.inject(FaultProxy.status("/blobs/", 403, 1));
      assertThat(store.readBlobRange(image.layerDigest(0), 9000, 1000)).isEqualTo(slice(9000, 1000));
      assertThat(blobGets() - before).isEqualTo(2);
      assertThat(cdn.requests()).hasSize(7);
    }
  }

  @Test
  void redirectsAreFollowedWithoutTheRegistrysCredentials() throws Exception {
    try (FaultProxy blobStorage = FaultProxy.start(RegistryServer.shared().hostPort());
        ImageStore withCredentials = ImageStores.open(proxy.hostPort() + "/faults/image",
            FAST_RETRIES.withCredentials(CredentialSource.of(Map.of(proxy.hostPort(), new Credentials("user", "secret")))))) {
      // Make the client learn that this registry wants Basic auth, then redirect a blob GET to another origin.
      proxy.inject(FaultProxy.status("/manifests/v1", 401, 1, Map.of("WWW-Authenticate", "Basic realm=\"test\"")));
      assertThat(withCredentials.getManifest("v1").digest()).isEqualTo(manifest);
      proxy.inject(FaultProxy.redirect("/blobs/", "http://localhost:" + blobStorage.hostPort().split(":")[1], 1));
      assertThat(withCredentials.readBlobRange(image.layerDigest(0), 7, 70)).isEqualTo(slice(7, 70));
      assertThat(proxy.requests().getLast().headers()).containsKey("authorization");
      assertThat(blobStorage.requests()).hasSize(1);
      assertThat(blobStorage.requests().getFirst().headers()).doesNotContainKey("authorization").containsEntry("range", "bytes=7-76");
    }
  }

  @Test
  void keepAliveReusesOneConnectionAndParallelismIsBounded() throws Exception {
    try (FaultProxy counting = FaultProxy.start(RegistryServer.shared().hostPort());
        ImageStore serial = ImageStores.open(counting.hostPort() + "/faults/image", FAST_RETRIES)) {
      for (int i = 0; i < 20; i++) {
        assertThat(serial.readBlobRange(image.layerDigest(0), i * 1000L, 1000)).isEqualTo(slice(i * 1000, 1000));
      }
      // One connection for the TLS probe (refused), one for all twenty requests.
      assertThat(counting.connectionsAccepted()).isEqualTo(2);
    }
    try (FaultProxy counting = FaultProxy.start(RegistryServer.shared().hostPort());
        ImageStore bounded = ImageStores.open(counting.hostPort() + "/faults/image", FAST_RETRIES.withMaxParallelRequests(3));
        var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      var results = new java.util.ArrayList<java.util.concurrent.Future<byte[]>>();
      for (int i = 0; i < 48; i++) {
        int offset = i * 20_000;
        results.add(executor.submit(() -> bounded.readBlobRange(image.layerDigest(0), offset, 200_000)));
      }
      for (int i = 0; i < results.size(); i++) {
        assertThat(results.get(i).get()).isEqualTo(slice(i * 20_000, 200_000));
      }
      assertThat(counting.maxConcurrentConnections()).isLessThanOrEqualTo(3);
      assertThat(counting.connectionsAccepted()).isLessThanOrEqualTo(4);
    }
  }

  private byte[] slice(int offset, int length) {
    return Arrays.copyOfRange(image.layers().getFirst(), offset, offset + length);
  }
}
