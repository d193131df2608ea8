package dev.lazypull.format;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory one image's index may take while it is decoded and merged, and after. Decoding
 * charges every array before it is allocated (a TOC body, its frame and entry columns, path and
 * name bytes, the merged index's tables), so an image whose index would pass the limit is refused
 * with an {@link IndexTooLargeException} before the memory is taken, never with an
 * OutOfMemoryError. The charge is an upper bound (transient arrays included, nothing released
 * until the image is dropped).
 *
 * <p>A budget may draw on a {@code shared} one as well (a node agent's bound over all its images):
 * a charge passes only when both have room, and {@link #release} gives the image's bytes back to
 * the shared budget when the image is unmounted or its opening failed. Thread-safe: an image's
 * layers are decoded in parallel.
 */
public final class IndexBudget {
  /**
   * Default bound per image. A 10 GB image has 100k-500k entries; decoding and merging charge
   * about 400 bytes per entry plus its path (docs/FORMAT.md 3.3), so 1 GiB fits it 5-25 times.
   */
  public static final long DEFAULT_MAX_BYTES = 1L << 30;

  private final long maxBytes;
  private final IndexBudget shared;
  private final AtomicLong used = new AtomicLong();

  private IndexBudget(long maxBytes, IndexBudget shared) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("index memory limit must be positive: " + maxBytes);
    }
    this.maxBytes = maxBytes;
    this.shared = shared;
  }

  /** A budget of {@code maxBytes} for one image. */
  public static IndexBudget of(long maxBytes) {
    return new IndexBudget(maxBytes, null);
  }

  /** A budget of {@code maxBytes} for one image that also draws on {@code shared}. */
  public static IndexBudget of(long maxBytes, IndexBudget shared) {
    return new IndexBudget(maxBytes, shared);
  }

  /** No practical bound: for tools and tests that read TOCs they made. */
  public static IndexBudget unlimited() {
    return new IndexBudget(Long.MAX_VALUE, null);
  }

  /**
   * Takes {@code bytes} before they are allocated, or throws naming {@code what} needed them and
   * the limit; nothing is taken when it throws.
   */
  public void charge(long bytes, String what) throws IndexTooLargeException {
    if (bytes < 0) {
      throw new IndexTooLargeException(what + " would need more than " + Long.MAX_VALUE + " bytes", maxBytes);
    }
    long now = used.addAndGet(bytes);
    if (now < 0 || now > maxBytes) {
      used.addAndGet(-bytes);
      throw new IndexTooLargeException(what + " would take the index past its memory limit of " + maxBytes
          + " bytes (" + (now - bytes) + " already used, " + bytes + " more needed)", maxBytes);
    }
    if (shared != null) {
      try {
        shared.charge(bytes, what);
      } catch (IndexTooLargeException e) {
        used.addAndGet(-bytes);
        throw new IndexTooLargeException(what + ": the node's index memory is exhausted (limit " + shared.maxBytes
            + " bytes for all images, " + shared.used() + " in use)", shared.maxBytes);
      }
    }
  }

  /** Gives everything this budget took back to the shared budget (when the image is dropped). */
  public void release() {
    long mine = used.getAndSet(0);
    if (shared != null && mine > 0) {
      shared.used.addAndGet(-mine);
    }
  }

  public long used() {
    return used.get();
  }

  public long maxBytes() {
    return maxBytes;
  }
}
