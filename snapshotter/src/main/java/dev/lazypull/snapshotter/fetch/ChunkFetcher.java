package dev.lazypull.snapshotter.fetch;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.oci.BlobRangeSource;
import dev.lazypull.oci.Digest;
import dev.lazypull.snapshotter.cache.ChunkCache;
import dev.lazypull.snapshotter.stats.ReadStats;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Delivers verified chunks for reads: from the cache when it holds them, else from the registry.
 *
 * <p>For one read's chunks it takes those neither cached nor already in flight, merges neighbours
 * of a layer into Range requests ({@link RangePlanner}), and runs each request on its own virtual
 * thread, at most {@link FetchOptions#maxParallelRequests()} at a time. Every chunk in flight has
 * one shared future (single-flight): all readers of it wait on the same fetch. Each frame is
 * decompressed and its SHA-256 checked before it completes the future; a mismatch is fetched once
 * more on its own, and a second mismatch fails the read. Transport errors are retried with
 * back-off until the chunk's deadline ({@link FetchOptions#timeout()}), at which its future fails
 * and the request thread is interrupted, so a registry that stops answering costs a bounded wait
 * and no thread; the next read after it comes back fetches afresh.
 *
 * <p>Readahead: a request also takes the frames that follow its last one in the layer ({@link
 * LayerFrames}), up to {@link FetchOptions#readaheadBytes()}, stopping at the first frame that is
 * cached or in flight so that ranges stay contiguous. Those frames are in flight like demanded
 * ones (a reader of one joins the fetch) and are decoded after the demanded frames of the range,
 * so they delay a read by their transfer only.
 *
 * <p>Verified chunks enter the memory tier before readers are released and the disk tier after,
 * off the read path.
 */
public final class ChunkFetcher implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ChunkFetcher.class.getName());
  private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final BlobRangeSource source;
  private final ChunkCache cache;
  private final FetchOptions options;
  private final ReadStats stats;
  private final LayerFrames frames;
  private final RangePlanner planner;
  private final Semaphore requests;
  private final ConcurrentHashMap<Digest, CompletableFuture<byte[]>> inFlight = new ConcurrentHashMap<>();
  private final ExecutorService fetchThreads = Executors.newVirtualThreadPerTaskExecutor();
  private final ExecutorService diskWriters = Executors.newVirtualThreadPerTaskExecutor();

  /** A fetcher that takes only the chunks reads ask for (no layout known to read ahead in). */
  public ChunkFetcher(BlobRangeSource source, ChunkCache cache, FetchOptions options, ReadStats stats) {
    this(source, cache, options, stats, LayerFrames.NONE);
  }

  public ChunkFetcher(BlobRangeSource source, ChunkCache cache, FetchOptions options, ReadStats stats, LayerFrames frames) {
    this.source = source;
    this.cache = cache;
    this.options = options;
    this.stats = stats;
    this.frames = frames;
    this.planner = new RangePlanner(options.maxRangeBytes(), options.maxGapBytes());
    this.requests = new Semaphore(options.maxParallelRequests());
  }

  /**
   * The verified bytes of each chunk, in the order given. Blocks (call it from a virtual thread)
   * for at most about the fetch timeout; throws {@link FetchTimeoutException}, {@link
   * ChunkVerificationException} or the registry's error when a chunk cannot be had.
   */
  public List<byte[]> load(List<ChunkLocation> chunks) throws IOException {
    int n = chunks.size();
    byte[][] out = new byte[n][];
    List<CompletableFuture<byte[]>> waits = new ArrayList<>(n);
    Map<Digest, CompletableFuture<byte[]>> owned = new HashMap<>();
    List<ChunkLocation> toFetch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ChunkLocation c = chunks.get(i);
      Digest d = c.digest();
      out[i] = cache.getFromMemory(d);
      CompletableFuture<byte[]> wait = null;
      if (out[i] == null) {
        wait = inFlight.get(d);
        if (wait == null && (out[i] = cache.getFromDisk(d)) == null) {
          CompletableFuture<byte[]> mine = newInFlight(d);
          wait = inFlight.putIfAbsent(d, mine);
          if (wait == null) {
            wait = mine;
            // A fetch may have completed between the memory check and our registration.
            byte[] landed = cache.peekMemory(d);
            if (landed != null) {
              mine.complete(landed);
            } else {
              owned.put(d, mine);
              toFetch.add(c);
            }
          }
        }
      }
      waits.add(wait);
    }
    if (!toFetch.isEmpty()) {
      for (BlobRange range : planner.plan(toFetch)) {
        submit(readAhead(range, owned), owned);
      }
    }
    for (int i = 0; i < n; i++) {
      if (out[i] == null) {
        out[i] = await(waits.get(i), chunks.get(i));
      }
    }
    return List.of(out);
  }

  /**
   * Tar bytes [{@code tarOffset}, +{@code length}) cut out of {@code chunks}, which must cover them
   * (as {@code MergedIndex.chunks} returns them for a file read).
   */
  public byte[] read(List<ChunkLocation> chunks, long tarOffset, int length) throws IOException {
    List<byte[]> data = load(chunks);
    byte[] out = new byte[length];
    int copied = ChunkSlices.copy(chunks, data, tarOffset, out, 0, length);
    if (copied != length) {
      throw new IOException("chunks cover " + copied + " of " + length + " bytes at tar offset " + tarOffset);
    }
    return out;
  }

  /**
   * {@code range} extended by the frames that follow it in its layer, while they fit the readahead
   * budget and are neither cached nor in flight. Each frame taken is registered in flight and put
   * in {@code owned}, like a demanded one.
   */
  private BlobRange readAhead(BlobRange range, Map<Digest, CompletableFuture<byte[]>> owned) {
    int budget = options.readaheadBytes();
    List<ChunkLocation> chunks = new ArrayList<>(range.chunks());
    for (ChunkLocation next = frames.next(chunks.getLast()); next != null; next = frames.next(next)) {
      ChunkLocation last = chunks.getLast();
      Digest d = next.digest();
      if (next.compressedLength() > budget || next.compressedOffset() != last.compressedOffset() + last.compressedLength()
          || cache.peekMemory(d) != null || cache.isOnDisk(d)) {
        break;
      }
      CompletableFuture<byte[]> mine = newInFlight(d);
      if (inFlight.putIfAbsent(d, mine) != null) {
        break;
      }
      // As in load: a fetch may have landed it between the check and the registration.
      byte[] landed = cache.peekMemory(d);
      if (landed != null) {
        mine.complete(landed);
        break;
      }
      owned.put(d, mine);
      chunks.add(next);
      budget -= next.compressedLength();
    }
    if (chunks.size() == range.chunks().size()) {
      return range;
    }
    ChunkLocation last = chunks.getLast();
    int length = Math.toIntExact(last.compressedOffset() + last.compressedLength() - range.offset());
    return new BlobRange(range.layer(), range.offset(), length, List.copyOf(chunks));
  }

  private CompletableFuture<byte[]> newInFlight(Digest d) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    f.orTimeout(options.timeout().toNanos(), TimeUnit.NANOSECONDS);
    f.whenComplete(
        (v, e) -> {
          inFlight.remove(d, f);
          if (e instanceof TimeoutException) {
            stats.fetchTimedOut();
          }
        });
    return f;
  }

  private byte[] await(CompletableFuture<byte[]> f, ChunkLocation c) throws IOException {
    try {
      // The future times itself out; the extra second only guards against a lost completion.
      return f.get(options.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while fetching chunk " + c.digest());
    } catch (TimeoutException e) {
      throw timeout(c);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TimeoutException) {
        throw timeout(c);
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException("fetching chunk " + c.digest() + " failed: " + cause, cause);
    }
  }

  private FetchTimeoutException timeout(ChunkLocation c) {
    return new FetchTimeoutException("chunk " + c.digest() + " of layer " + c.layer() + " did not arrive within "
        + options.timeout().toMillis() + " ms");
  }

  private void submit(BlobRange range, Map<Digest, CompletableFuture<byte[]>> owned) {
    List<CompletableFuture<byte[]>> futures = new ArrayList<>(range.chunks().size());
    for (ChunkLocation c : range.chunks()) {
      futures.add(owned.get(c.digest()));
    }
    long deadline = System.nanoTime() + options.timeout().toNanos();
    Future<?> task = fetchThreads.submit(() -> fetch(range, futures, deadline));
    // When every reader has given up (deadline), interrupt a request still hanging on the socket.
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .whenComplete(
            (v, e) -> {
              if (e != null && !task.isDone()) {
                task.cancel(true);
              }
            });
  }

  private void fetch(BlobRange range, List<CompletableFuture<byte[]>> futures, long deadline) {
    byte[] bytes;
    try {
      bytes = readWithRetry(range.layer(), range.offset(), range.length(), range.chunks().size(), deadline);
    } catch (IOException | RuntimeException e) {
      IOException failure = e instanceof IOException io ? io
          : new IOException("fetching " + describe(range) + " failed: " + e, e);
      futures.forEach(f -> f.completeExceptionally(failure));
      return;
    }
    List<Runnable> diskWrites = new ArrayList<>();
    List<ChunkLocation> chunks = range.chunks();
    for (int i = 0; i < chunks.size(); i++) {
      ChunkLocation c = chunks.get(i);
      CompletableFuture<byte[]> f = futures.get(i);
      try {
        byte[] data = FrameDecoder.decode(c, bytes, range.offsetOf(c));
        if (data == null) {
          data = refetch(c, deadline);
        }
        cache.putInMemory(c.digest(), data);
        f.complete(data);
        byte[] verified = data;
        diskWrites.add(() -> cache.putOnDisk(c.digest(), verified));
      } catch (IOException | RuntimeException e) {
        f.completeExceptionally(e);
      }
    }
    if (!diskWrites.isEmpty()) {
      try {
        diskWriters.execute(() -> diskWrites.forEach(Runnable::run));
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // Closing: the chunks were served; they are simply not kept on disk.
      }
    }
  }

  /** A chunk whose frame did not verify: fetched once more alone, then given up with a log line. */
  private byte[] refetch(ChunkLocation c, long deadline) throws IOException {
    stats.verificationFailed();
    LOG.log(System.Logger.Level.WARNING, "chunk " + c.digest() + " of layer " + c.layer() + " at offset "
        + c.compressedOffset() + " failed verification; fetching it again");
    byte[] again = readWithRetry(c.layer(), c.compressedOffset(), c.compressedLength(), 1, deadline);
    byte[] data = FrameDecoder.decode(c, again, 0);
    if (data == null) {
      stats.verificationFailed();
      String msg = "chunk " + c.digest() + " of layer " + c.layer() + " at offset " + c.compressedOffset()
          + " failed verification twice; the read fails with EIO";
      LOG.log(System.Logger.Level.ERROR, msg);
      throw new ChunkVerificationException(msg);
    }
    return data;
  }

  private byte[] readWithRetry(Digest layer, long offset, int length, int chunkCount, long deadline) throws IOException {
    long backoff = FIRST_BACKOFF_NANOS;
    while (true) {
      IOException failure;
      try {
        if (!requests.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          throw new FetchTimeoutException("no request slot for layer " + layer + " before the fetch deadline");
        }
        try {
          byte[] bytes = source.read(layer, offset, length);
          if (bytes.length != length) {
            throw new IOException("registry returned " + bytes.length + " bytes for a range of " + length
                + " of layer " + layer + " at offset " + offset);
          }
          stats.rangeFetched(length, chunkCount);
          return bytes;
        } finally {
          requests.release();
        }
      } catch (InterruptedException e) {
        throw new InterruptedIOException("fetch of layer " + layer + " interrupted at its deadline");
      } catch (FetchTimeoutException e) {
        throw e;
      } catch (IOException e) {
        failure = e;
      }
      stats.rangeFailed();
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException("fetch of layer " + layer + " interrupted at its deadline");
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= backoff) {
        throw failure;
      }
      LOG.log(System.Logger.Level.DEBUG, "range of layer " + layer + " failed, retrying: " + failure.getMessage());
      try {
        TimeUnit.NANOSECONDS.sleep(backoff);
      } catch (InterruptedException e) {
        throw new InterruptedIOException("fetch of layer " + layer + " interrupted at its deadline");
      }
      backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
    }
  }

  private static String describe(BlobRange r) {
    return "bytes " + r.offset() + "+" + r.length() + " of layer " + r.layer();
  }

  /** Chunks currently being fetched (for tests and stats). */
  public int inFlightCount() {
    return inFlight.size();
  }

  /** Stops fetching and waits for queued disk writes, so that a later process finds them. */
  @Override
  public void close() {
    // Interrupt requests still waiting on the registry, let finished ones hand over their disk
    // writes, then wait for those.
    fetchThreads.shutdownNow();
    fetchThreads.close();
    diskWriters.close();
  }
}
