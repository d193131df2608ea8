package dev.lazypull.lazyfs.fetch;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.oci.BlobRangeSource;
import dev.lazypull.oci.Deadline;
import dev.lazypull.oci.Digest;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * "Give me these chunks" for one mounted image: the one component behind the file system that
 * answers with verified chunks, from the node's {@link ChunkCache} (memory, then disk) or else
 * from the registry, with single-flight (a chunk in flight is an entry of the cache's memory tier,
 * so every reader of it, of any mount, waits on the same fetch).
 *
 * <p>The chunks of one lookup that the cache holds nowhere come here together: neighbours of a
 * layer are merged into Range requests ({@link RangePlanner}), each run on its own virtual
 * thread (the bound on requests in flight is the registry client's, per registry host). Each
 * frame is decompressed and its SHA-256 checked before it completes its future (and so enters the
 * cache); a mismatch is fetched once more on its own, and a second mismatch fails the read. Each
 * request carries the chunk's deadline ({@link FetchOptions#timeout()}) to the source, whose one
 * retry policy retries transient failures within it and ends permanent ones (404, 403, 416) at
 * once; at the deadline the future fails and the request thread is interrupted, so a registry
 * that stops answering costs a bounded wait and no thread; the next read after it comes back
 * fetches afresh.
 *
 * <p>Readahead: a request also takes the frames that follow its last one in the layer ({@link
 * LayerFrames}), up to {@link FetchOptions#readaheadBytes()}, stopping at the first frame that is
 * cached or in flight so that ranges stay contiguous. Those frames are claimed in the cache like
 * demanded ones (a reader of one joins the fetch) and are decoded after the demanded frames of
 * the range, so they delay a read by their transfer only.
 *
 * <p>Priority: a caller no reader waits for yet asks with {@link #get(List, Priority)}. {@link
 * Priority#BACKGROUND} (the background fetch of a whole image) is served from the cache like any
 * other lookup, but its fetches first wait for one of {@link #BACKGROUND_RANGES} background slots
 * per mount, so background work never holds more than that many of the registry requests that
 * foreground reads need. {@link Priority#PREFETCH} (a recorded start-up list, about to be read)
 * takes no background slot and no readahead (the list is exact); it is not counted as a demand
 * miss. A foreground reader that asks for a chunk a lower-priority fetch has in flight joins
 * that fetch. Decision 0009 says how the prefetcher uses them.
 */
public final class ChunkFetcher implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ChunkFetcher.class.getName());
  /** Range requests of background lookups in flight at once, per mount. */
  public static final int BACKGROUND_RANGES = 2;
  /**
   * Largest gap a recorded list's Range request spans between two listed chunks: measured on the
   * 1 Gbit/s, 10 ms link with the numpy list (decision 0009), 256 KiB fetched its chunks in 25
   * requests (17.4 MB for 14.9 MB listed) in about half the time of 64 KiB's 42 requests; larger
   * gaps only added bytes.
   */
  public static final int PREFETCH_GAP_BYTES = 256 << 10;

  private final BlobRangeSource source;
  private final ChunkCache cache;
  private final FetchOptions options;
  private final ReadStats stats;
  private final LayerFrames frames;
  private final RangePlanner planner;
  private final RangePlanner prefetchPlanner;
  private final Semaphore backgroundRanges = new Semaphore(BACKGROUND_RANGES);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ExecutorService fetchThreads = Executors.newVirtualThreadPerTaskExecutor();
  private volatile boolean closed;
  private volatile long lastDemandMiss = Long.MIN_VALUE;
  /** Guards {@link #demandRanges}; waited on by {@link #awaitNoDemandFetch}. */
  private final Object demandLock = new Object();
  /** Range requests of foreground reads for chunks off the recorded list, handed to a fetch thread and not yet ended. */
  private int demandRanges;
  /** {@link System#nanoTime()} when the last of them ended, {@link Long#MIN_VALUE} before any. */
  private long lastDemandEnded = Long.MIN_VALUE;
  /** The recorded list's chunks ({@link #listIs}): a read that misses only these is one the list is behind, not beside. */
  private volatile Set<Digest> listed = Set.of();

  /** A fetcher that takes only the chunks reads ask for (no layout known to read ahead in). */
  public ChunkFetcher(BlobRangeSource source, ChunkCache cache, FetchOptions options, ReadStats stats) {
    this(source, cache, options, stats, LayerFrames.NONE);
  }

  /**
   * A fetcher of one image's chunks from {@code source}, through the (possibly shared) {@code
   * cache}; lookups and fetches count into {@code stats}. Closing it does not close the cache.
   */
  public ChunkFetcher(BlobRangeSource source, ChunkCache cache, FetchOptions options, ReadStats stats, LayerFrames frames) {
    this.source = source;
    this.cache = cache;
    this.options = options;
    this.stats = stats;
    this.frames = frames;
    this.planner = new RangePlanner(options.maxRangeBytes(), options.maxGapBytes());
    this.prefetchPlanner = new RangePlanner(options.maxRangeBytes(), Math.max(options.maxGapBytes(), PREFETCH_GAP_BYTES));
  }

  /**
   * The verified bytes of each chunk, in the order given, for a foreground read. The future is
   * complete on return when every chunk is in memory (nothing else is done then); otherwise it
   * completes on another thread, within about the fetch timeout, or fails with {@link
   * FetchTimeoutException}, {@link ChunkVerificationException} or the registry's error.
   */
  public CompletableFuture<List<byte[]>> get(List<ChunkLocation> chunks) {
    return get(chunks, Priority.FOREGROUND);
  }

  /** As {@link #get(List)}, at {@code priority} (see the class comment). */
  public CompletableFuture<List<byte[]>> get(List<ChunkLocation> chunks, Priority priority) {
    int n = chunks.size();
    List<Digest> digests = new ArrayList<>(n);
    for (ChunkLocation c : chunks) {
      digests.add(c.digest());
    }
    List<CompletableFuture<byte[]>> futures = cache.get(digests, claims -> fetchClaimed(chunks, claims, priority), stats);
    byte[][] out = new byte[n][];
    for (int i = 0; i < n; i++) {
      CompletableFuture<byte[]> f = futures.get(i);
      if (!f.isDone() || f.isCompletedExceptionally()) {
        return allOf(chunks, futures).exceptionallyCompose(e -> {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          // Joined to a fetch of a mount that closed meanwhile: ask again (this one fetches it).
          return cause instanceof FetcherClosedException && !closed ? get(chunks, priority) : CompletableFuture.failedFuture(cause);
        });
      }
      out[i] = f.getNow(null);
    }
    return CompletableFuture.completedFuture(List.of(out));
  }

  private CompletableFuture<List<byte[]>> allOf(List<ChunkLocation> chunks, List<CompletableFuture<byte[]>> futures) {
    CompletableFuture<List<byte[]>> all = new CompletableFuture<>();
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
      if (e == null) {
        all.complete(futures.stream().map(CompletableFuture::join).toList());
        return;
      }
      for (int i = 0; i < futures.size(); i++) {
        if (futures.get(i).isCompletedExceptionally()) {
          all.completeExceptionally(failure(futures.get(i), chunks.get(i)));
          return;
        }
      }
      all.completeExceptionally(e);
    });
    return all;
  }

  /** Why a chunk's future failed, as the exception a reader should see. */
  private Throwable failure(CompletableFuture<byte[]> f, ChunkLocation c) {
    Throwable cause;
    try {
      f.join();
      return new IOException("chunk " + c.digest() + " failed");
    } catch (CompletionException | java.util.concurrent.CancellationException e) {
      cause = e.getCause() != null ? e.getCause() : e;
    }
    if (cause instanceof TimeoutException) {
      return timeout(c);
    }
    if (cause instanceof IOException) {
      return cause;
    }
    return new IOException("fetching chunk " + c.digest() + " failed: " + cause, cause);
  }

  /**
   * As {@link #get(List)}, waiting: blocks (call it from a virtual thread) for at most about the
   * fetch timeout.
   */
  public List<byte[]> load(List<ChunkLocation> chunks) throws IOException {
    CompletableFuture<List<byte[]>> all = get(chunks);
    try {
      // The futures time themselves out; the extra second only guards against a lost completion.
      return all.get(options.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while fetching " + chunks.size() + " chunks");
    } catch (TimeoutException e) {
      throw timeout(chunks.getFirst());
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException("fetching chunks failed: " + cause, cause);
    }
  }

  /**
   * {@code chunks} (a recorded list, in recorded order) cut into the groups that {@link
   * Priority#PREFETCH} lookups fetch as one Range request each, ordered by the earliest listed
   * chunk of each group: handing them over in this order gets what the program reads first on the
   * wire first.
   */
  public List<List<ChunkLocation>> prefetchRanges(List<ChunkLocation> chunks) {
    Map<Digest, Integer> firstListed = new HashMap<>();
    for (int i = 0; i < chunks.size(); i++) {
      firstListed.putIfAbsent(chunks.get(i).digest(), i);
    }
    List<BlobRange> ranges = new ArrayList<>(prefetchPlanner.plan(new ArrayList<>(chunks)));
    ranges.sort(java.util.Comparator.comparingInt(r -> r.chunks().stream().mapToInt(c -> firstListed.get(c.digest())).min().orElse(0)));
    return ranges.stream().map(BlobRange::chunks).toList();
  }

  /** Fetches the chunks of {@code chunks} that the cache handed over (claimed: held nowhere, in flight nowhere). */
  private void fetchClaimed(List<ChunkLocation> chunks, Map<Digest, CompletableFuture<byte[]>> claims, Priority priority) {
    Map<Digest, CompletableFuture<byte[]>> owned = new HashMap<>(claims);
    Set<Digest> taken = new HashSet<>();
    List<ChunkLocation> toFetch = new ArrayList<>();
    for (ChunkLocation c : chunks) {
      if (claims.containsKey(c.digest()) && taken.add(c.digest())) {
        toFetch.add(c);
      }
    }
    claims.values().forEach(this::inFlight);
    if (priority == Priority.FOREGROUND) {
      lastDemandMiss = System.nanoTime();
      stats.demandMissed(toFetch.size());
    }
    for (BlobRange range : (priority == Priority.PREFETCH ? prefetchPlanner : planner).plan(toFetch)) {
      // A recorded list names exactly the chunks it wants: reading ahead of them only adds bytes.
      boolean offList = priority == Priority.FOREGROUND && range.chunks().stream().anyMatch(c -> !listed.contains(c.digest()));
      submit(priority == Priority.PREFETCH ? range : readAhead(range, owned), owned, priority, offList);
    }
  }

  /**
   * {@code range} extended by the frames that follow it in its layer, while they fit the readahead
   * budget and are neither cached nor in flight. Each frame taken is claimed in the cache and put
   * in {@code owned}, like a demanded one.
   */
  private BlobRange readAhead(BlobRange range, Map<Digest, CompletableFuture<byte[]>> owned) {
    int budget = options.readaheadBytes();
    List<ChunkLocation> chunks = new ArrayList<>(range.chunks());
    for (ChunkLocation next = frames.next(chunks.getLast()); next != null; next = frames.next(next)) {
      ChunkLocation last = chunks.getLast();
      if (next.compressedLength() > budget || next.compressedOffset() != last.compressedOffset() + last.compressedLength()
          || owned.containsKey(next.digest())) {
        break;
      }
      CompletableFuture<byte[]> mine = cache.claim(next.digest());
      if (mine == null) {
        break;
      }
      inFlight(mine);
      owned.put(next.digest(), mine);
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

  /** A claimed chunk's future: it fails on its own at the deadline. */
  private void inFlight(CompletableFuture<byte[]> f) {
    inFlight.incrementAndGet();
    f.orTimeout(options.timeout().toNanos(), TimeUnit.NANOSECONDS);
    f.whenComplete(
        (v, e) -> {
          inFlight.decrementAndGet();
          if (e instanceof TimeoutException) {
            stats.fetchTimedOut();
          }
        });
  }

  private FetchTimeoutException timeout(ChunkLocation c) {
    return new FetchTimeoutException("chunk " + c.digest() + " of layer " + c.layer() + " did not arrive within "
        + options.timeout().toMillis() + " ms");
  }

  private void submit(BlobRange range, Map<Digest, CompletableFuture<byte[]>> owned, Priority priority, boolean demand) {
    List<CompletableFuture<byte[]>> futures = new ArrayList<>(range.chunks().size());
    for (ChunkLocation c : range.chunks()) {
      futures.add(owned.get(c.digest()));
    }
    long deadline = System.nanoTime() + options.timeout().toNanos();
    if (demand) {
      demandChanged(1);
    }
    Future<?> task;
    try {
      task = fetchThreads.submit(() -> {
        try {
          if (priority == Priority.BACKGROUND) {
            fetchInBackground(range, futures, deadline);
          } else {
            fetch(range, futures, deadline);
          }
        } finally {
          if (demand) {
            demandChanged(-1);
          }
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException rejected) {
      if (demand) {
        demandChanged(-1);
      }
      fail(futures, new IOException("the mount is closing"));
      return;
    }
    // When every reader has given up (deadline), interrupt a request still hanging on the socket.
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .whenComplete(
            (v, e) -> {
              if (e != null && !task.isDone()) {
                task.cancel(true);
              }
            });
  }

  private void fetchInBackground(BlobRange range, List<CompletableFuture<byte[]>> futures, long deadline) {
    try {
      if (!backgroundRanges.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        FetchTimeoutException e = new FetchTimeoutException("no background slot for " + describe(range) + " before the deadline");
        futures.forEach(f -> f.completeExceptionally(e));
        return;
      }
    } catch (InterruptedException e) {
      fail(futures, new InterruptedIOException("background fetch of " + describe(range) + " interrupted"));
      return;
    }
    try {
      fetch(range, futures, deadline);
    } finally {
      backgroundRanges.release();
    }
  }

  private void fetch(BlobRange range, List<CompletableFuture<byte[]>> futures, long deadline) {
    byte[] bytes;
    try {
      bytes = fetchRange(range.layer(), range.offset(), range.length(), range.chunks().size(), deadline);
    } catch (IOException | RuntimeException e) {
      fail(futures, e instanceof IOException io ? io : new IOException("fetching " + describe(range) + " failed: " + e, e));
      return;
    }
    List<ChunkLocation> chunks = range.chunks();
    for (int i = 0; i < chunks.size(); i++) {
      ChunkLocation c = chunks.get(i);
      CompletableFuture<byte[]> f = futures.get(i);
      try {
        byte[] data = FrameDecoder.decode(c, bytes, range.offsetOf(c));
        if (data == null) {
          data = refetch(c, deadline);
        }
        // Completing the future puts the verified chunk in the cache (and queues its disk write).
        f.complete(data);
      } catch (IOException | RuntimeException e) {
        fail(List.of(f), e);
      }
    }
  }

  /**
   * Fails claimed futures. When this fetcher is closing, the failure says so: a reader of another
   * mount (the cache is shared) that joined one of them then looks up again instead of failing.
   */
  private void fail(List<CompletableFuture<byte[]>> futures, Throwable e) {
    Throwable failure = closed ? new FetcherClosedException(e) : e;
    futures.forEach(f -> f.completeExceptionally(failure));
  }

  /** A fetch given up because its mount closed, not because the chunk cannot be had. */
  private static final class FetcherClosedException extends IOException {
    FetcherClosedException(Throwable cause) {
      super("the mount that was fetching this chunk closed", cause);
    }
  }

  /** A chunk whose frame did not verify: fetched once more alone, then given up with a log line. */
  private byte[] refetch(ChunkLocation c, long deadline) throws IOException {
    stats.verificationFailed();
    LOG.log(System.Logger.Level.WARNING, "chunk " + c.digest() + " of layer " + c.layer() + " at offset "
        + c.compressedOffset() + " failed verification; fetching it again");
    byte[] again = fetchRange(c.layer(), c.compressedOffset(), c.compressedLength(), 1, deadline);
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

  /**
   * One range by the chunk's deadline. Retrying is the source's (the registry client's one retry
   * policy, which tells a 503 from a 404): here a failure is counted and passed to the readers.
   */
  private byte[] fetchRange(Digest layer, long offset, int length, int chunkCount, long deadline) throws IOException {
    byte[] bytes;
    long started = System.nanoTime();
    try {
      bytes = source.read(layer, offset, length, new Deadline(deadline));
    } catch (IOException | RuntimeException e) {
      stats.rangeFailed();
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException("fetch of layer " + layer + " interrupted at its deadline");
      }
      throw e;
    }
    if (bytes.length != length) {
      stats.rangeFailed();
      throw new IOException("registry returned " + bytes.length + " bytes for a range of " + length
          + " of layer " + layer + " at offset " + offset);
    }
    stats.rangeFetched(length, chunkCount, System.nanoTime() - started);
    return bytes;
  }

  private static String describe(BlobRange r) {
    return "bytes " + r.offset() + "+" + r.length() + " of layer " + r.layer();
  }

  /** {@link System#nanoTime()} of the last read that had to fetch, or {@link Long#MIN_VALUE} before the first. */
  public long lastDemandMissNanos() {
    return lastDemandMiss;
  }

  private void demandChanged(int delta) {
    synchronized (demandLock) {
      demandRanges += delta;
      if (demandRanges == 0) {
        lastDemandEnded = System.nanoTime();
        demandLock.notifyAll();
      }
    }
  }

  /**
   * The chunks of the image's recorded list, for {@link #awaitNoDemandFetch}: a read that misses
   * only listed chunks is the recorded program outrunning its list, which should go on, not wait.
   */
  public void listIs(Set<Digest> digests) {
    listed = Set.copyOf(digests);
  }

  /**
   * Waits until no Range request of a foreground read for a chunk off the recorded list ({@link
   * #listIs}; any chunk when no list was given) has been in flight for {@code quietNanos} (at
   * once when there never was one), or this fetcher closes: how a recorded list lets a program
   * it was not recorded for go ahead of it. The quiet time spans the gaps between that program's
   * misses, which come one after another: without it the list would refill its requests in each
   * gap and the next miss would share the link with them again.
   */
  public void awaitNoDemandFetch(long quietNanos) throws InterruptedException {
    synchronized (demandLock) {
      while (!closed) {
        if (demandRanges > 0) {
          demandLock.wait();
          continue;
        }
        long left = lastDemandEnded == Long.MIN_VALUE ? 0 : lastDemandEnded + quietNanos - System.nanoTime();
        if (left <= 0) {
          return;
        }
        demandLock.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  /** Chunks currently being fetched (for tests and stats). */
  public int inFlightCount() {
    return inFlight.get();
  }

  /** Stops fetching: requests still waiting on the registry are interrupted. The cache stays open. */
  @Override
  public void close() {
    closed = true;
    synchronized (demandLock) {
      demandLock.notifyAll();
    }
    fetchThreads.shutdownNow();
    fetchThreads.close();
  }
}
