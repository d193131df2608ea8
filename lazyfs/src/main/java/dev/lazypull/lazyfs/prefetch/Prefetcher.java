package dev.lazypull.lazyfs.prefetch;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.format.toc.FrameTable;
import dev.lazypull.oci.Digest;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.lazyfs.fetch.ChunkFetcher;
import dev.lazypull.lazyfs.fetch.Priority;
import dev.lazypull.lazyfs.fs.ReadObserver;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Fetches a mounted image ahead of its reads, from one virtual thread started at mount: first the
 * image's recorded start-up list ({@link MergedIndex#prefetchChunks()}) in recorded order, then,
 * when asked, every other chunk of every layer in blob order (the background fetch). Both go
 * through the fetcher's one lookup path, so every chunk is verified, cached and single-flight as
 * for reads: a list that does not match the program costs bandwidth only.
 *
 * <p>The list is cut into large Range requests (listed chunks of a layer with gaps of at most
 * {@link ChunkFetcher#PREFETCH_GAP_BYTES} between them), handed over in the order the program
 * first reads them at {@link Priority#PREFETCH} (request slots like reads: the program is about to
 * wait for these). Only {@link PrefetchSettings#listBatches()} requests are outstanding at a time,
 * fewer than the registry client's bound, so a read that misses fetches at once instead of
 * queueing behind the list, and while a read's request for a chunk off the list is in flight
 * or just ended (another program than the recorded one) the list sends nothing new, so that read shares the
 * link only with the list requests already out; a read of a chunk in an outstanding request
 * joins its fetch. The
 * background fetch starts when the list is done and runs at {@link Priority#BACKGROUND}: the
 * fetcher gives it a bounded number of request slots, so reads always find the rest, and {@link
 * BackgroundPacer} holds each batch until reads have fetched nothing for a moment and bounds its
 * bytes per second, so it neither competes with a starting program nor takes the link from a
 * running one.
 *
 * <p>{@link #hits()} is the read observer that counts prefetch hits. Closing stops both phases.
 */
public final class Prefetcher implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Prefetcher.class.getName());
  /** Background batches outstanding: the fetcher's background slots, so the next batch is ready when one frees. */
  private static final int BACKGROUND_BATCHES = ChunkFetcher.BACKGROUND_RANGES;
  /**
   * How long the list holds after the last request of a read for a chunk off the list ended: longer
   * than the gaps between one program's misses on a loaded node, short against the list's own
   * time (decision 0009).
   */
  private static final long LIST_QUIET_NANOS = 100_000_000L;

  private final MergedIndex index;
  private final ChunkFetcher fetcher;
  private final ChunkCache cache;
  private final PrefetchSettings settings;
  private final ReadStats stats;
  /** Chunks the list fetched and no read has used yet, with their uncompressed size. */
  private final ConcurrentHashMap<Digest, Integer> unread = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> listDone = new CompletableFuture<>();
  private final CompletableFuture<Void> backgroundDone = new CompletableFuture<>();
  private final BackgroundPacer pacer;
  private volatile boolean closed;
  private Thread worker;

  public Prefetcher(MergedIndex index, ChunkFetcher fetcher, ChunkCache cache, PrefetchSettings settings, ReadStats stats) {
    this.index = index;
    this.fetcher = fetcher;
    this.cache = cache;
    this.settings = settings;
    this.stats = stats;
    this.pacer = new BackgroundPacer(settings.backgroundBytesPerSecond(), settings.batchBytes(), settings.backgroundQuiet().toNanos(),
        BackgroundPacer.Clock.SYSTEM, fetcher::lastDemandMissNanos);
  }

  /** Starts the list, then the background fetch (each only when the settings ask for it). */
  public synchronized void start() {
    if (worker == null && !closed) {
      worker = Thread.ofVirtual().name("lazypull-prefetch").start(this::run);
    }
  }

  /** Counts, for each chunk the list fetched, the first read that uses it. */
  public ReadObserver hits() {
    return (ino, chunks) -> {
      if (unread.isEmpty()) {
        return;
      }
      for (ChunkLocation c : chunks) {
        Integer n = unread.remove(c.digest());
        if (n != null) {
          stats.prefetchHit(n);
        }
      }
    };
  }

  /** Completes when the list has been fetched (or skipped, or the prefetcher closed). */
  public CompletableFuture<Void> listDone() {
    return listDone;
  }

  /** Completes when the background fetch has gone through every layer (or is off, or closed). */
  public CompletableFuture<Void> backgroundDone() {
    return backgroundDone;
  }

  private void run() {
    try {
      if (settings.list()) {
        fetchList();
      }
      listDone.complete(null);
      if (settings.background()) {
        background();
      }
    } catch (InterruptedException e) {
      // closed
    } finally {
      listDone.complete(null);
      backgroundDone.complete(null);
    }
  }

  /**
   * The recorded list, one Range request per group of {@link ChunkFetcher#prefetchRanges}, in
   * the order the program first reads them, at most {@link PrefetchSettings#listBatches()}
   * requests outstanding (fewer than the registry client's requests per host, so a read that
   * misses finds a free request at once instead of queueing behind the list). No new list request
   * goes while a read's own request for a chunk off the list is in flight or ended less than
   * {@link #LIST_QUIET_NANOS} ago ({@link ChunkFetcher#awaitNoDemandFetch}): another program is starting and the list's bytes would only
   * share the link with it; a miss of a listed chunk means the recorded program outran the list,
   * which then goes on.
   */
  private void fetchList() throws InterruptedException {
    List<ChunkLocation> missing = new ArrayList<>();
    Set<Digest> listed = new HashSet<>();
    for (ChunkLocation c : index.prefetchChunks()) {
      listed.add(c.digest());
      if (!cache.inMemory(c.digest()) && !cache.isOnDisk(c.digest())) {
        missing.add(c);
      }
    }
    fetcher.listIs(listed);
    int window = settings.listBatches();
    Semaphore outstanding = new Semaphore(window);
    for (List<ChunkLocation> range : fetcher.prefetchRanges(missing)) {
      if (closed) {
        return;
      }
      submit(range, Priority.PREFETCH, outstanding, c -> {
        unread.put(c.digest(), c.uncompressedLength());
        stats.prefetched(c.uncompressedLength());
      });
    }
    outstanding.acquire(window); // the last requests have completed
    outstanding.release(window);
  }

  /** Every frame of every layer (a blob listed twice once, a chunk in two places once), counting what is local. */
  private void background() throws InterruptedException {
    Set<Digest> layers = new HashSet<>();
    Set<Digest> seen = new HashSet<>();
    List<List<ChunkLocation>> perLayer = new ArrayList<>();
    long imageBytes = 0;
    for (int l = 0; l < index.layerCount(); l++) {
      FrameTable t = index.frames(l);
      if (!layers.add(t.layer())) {
        continue;
      }
      List<ChunkLocation> frames = new ArrayList<>(t.size());
      for (int i = 0; i < t.size(); i++) {
        ChunkLocation c = t.location(i);
        if (seen.add(c.digest())) {
          frames.add(c);
          imageBytes += c.uncompressedLength();
        }
      }
      perLayer.add(frames);
    }
    stats.imageBytes(imageBytes);
    for (List<ChunkLocation> frames : perLayer) {
      fetchInOrder(frames, Priority.BACKGROUND, BACKGROUND_BATCHES, true, c -> {
        stats.backgroundFetched(c.uncompressedLength());
        stats.becameLocal(c.uncompressedLength());
      });
      if (closed) {
        return;
      }
    }
  }

  /**
   * Hands {@code chunks} to the fetcher in order, a batch of about {@code batchBytes} at a time,
   * at most {@code window} batches outstanding, and waits for the last. A chunk already cached is
   * skipped ({@code countLocal}: and counted local); {@code fetched} hears of each chunk of a
   * completed batch that no cache held when the batch was handed over. A failed batch is logged
   * and left to reads.
   */
  private void fetchInOrder(List<ChunkLocation> chunks, Priority priority, int window, boolean countLocal,
      java.util.function.Consumer<ChunkLocation> fetched) throws InterruptedException {
    Semaphore outstanding = new Semaphore(window);
    List<ChunkLocation> batch = new ArrayList<>();
    long batchBytes = 0;
    for (ChunkLocation c : chunks) {
      if (closed) {
        return;
      }
      if (cache.inMemory(c.digest()) || cache.isOnDisk(c.digest())) {
        if (countLocal) {
          stats.becameLocal(c.uncompressedLength());
        }
        continue;
      }
      batch.add(c);
      batchBytes += c.compressedLength();
      if (batchBytes >= settings.batchBytes()) {
        submit(batch, priority, outstanding, fetched);
        batch = new ArrayList<>();
        batchBytes = 0;
      }
    }
    if (!batch.isEmpty()) {
      submit(batch, priority, outstanding, fetched);
    }
    outstanding.acquire(window); // the last batches have completed
    outstanding.release(window);
  }

  private void submit(List<ChunkLocation> batch, Priority priority, Semaphore outstanding,
      java.util.function.Consumer<ChunkLocation> fetched) throws InterruptedException {
    if (priority == Priority.BACKGROUND) {
      long bytes = 0;
      for (ChunkLocation c : batch) {
        bytes += c.compressedLength();
      }
      pacer.admit(bytes);
    }
    outstanding.acquire();
    if (priority == Priority.PREFETCH) {
      fetcher.awaitNoDemandFetch(LIST_QUIET_NANOS); // after the slot: a read that missed meanwhile still goes first
    }
    if (closed) {
      outstanding.release();
      return;
    }
    fetcher.get(batch, priority).whenComplete((data, e) -> {
      try {
        if (e == null) {
          batch.forEach(fetched);
        } else if (!closed) {
          LOG.log(System.Logger.Level.WARNING, "prefetch of " + batch.size() + " chunks of layer " + batch.getFirst().layer()
              + " failed (reads will fetch them): " + e.getMessage());
        }
      } finally {
        outstanding.release();
      }
    });
  }

  @Override
  public void close() {
    closed = true;
    Thread w;
    synchronized (this) {
      w = worker;
    }
    if (w != null) {
      w.interrupt();
    }
    listDone.complete(null);
    backgroundDone.complete(null);
  }
}
