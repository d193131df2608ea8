package dev.lazypull.lazyfs.fetch;

import dev.lazypull.oci.BlobRangeSource;
import dev.lazypull.oci.Digest;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process blob range source for unit tests of the fetcher's error paths: serves the blobs
 * it holds, records every request, and lets a test inject a fault into the next requests.
 */
final class FakeRegistry implements BlobRangeSource {

  /** What a request returns instead of (or besides) the true bytes. */
  @FunctionalInterface
  interface Fault {
    byte[] apply(Digest blob, long offset, int length, byte[] truth) throws IOException;
  }

  record Request(Digest blob, long offset, int length) {}

  private final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  private volatile Fault fault;
  private final AtomicInteger faultsLeft = new AtomicInteger();

  FakeRegistry with(TestLayer layer) {
    blobs.put(layer.digest(), layer.blob());
    return this;
  }

  /** Applies {@code f} to the next {@code times} requests (Integer.MAX_VALUE: until cleared). */
  void inject(Fault f, int times) {
    fault = f;
    faultsLeft.set(times);
  }

  void heal() {
    faultsLeft.set(0);
  }

  @Override
  public byte[] read(Digest blob, long offset, int length) throws IOException {
    requests.add(new Request(blob, offset, length));
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try {
      byte[] all = blobs.get(blob);
      if (all == null) {
        throw new IOException("blob unknown: " + blob);
      }
      byte[] truth = Arrays.copyOfRange(all, (int) offset, (int) offset + length);
      Fault f = fault;
      if (f != null && faultsLeft.getAndUpdate(n -> n == Integer.MAX_VALUE ? n : Math.max(0, n - 1)) > 0) {
        return f.apply(blob, offset, length, truth);
      }
      return truth;
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /** A fault that holds requests starting at an offset {@code held} accepts until {@code gate} opens, then answers truly. */
  static Fault heldUntil(java.util.concurrent.CountDownLatch gate, java.util.function.LongPredicate held) {
    return (b, o, l, truth) -> {
      if (held.test(o)) {
        try {
          gate.await();
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
      }
      return truth;
    };
  }

  static byte[] flipped(byte[] truth) {
    byte[] bad = truth.clone();
    bad[bad.length / 2] ^= 0x5a;
    return bad;
  }
}
