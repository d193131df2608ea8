package dev.lazypull.format.chunking;

/**
 * Content-defined chunking with FastCDC (Xia et al., USENIX ATC '16) and normalised chunking
 * (level 2): a gear hash rolls over the bytes after the minimum size, and a cut is made where the
 * hash's top bits are zero, with a stricter mask before the average size and a looser one after,
 * so chunk sizes cluster around the average. Cuts depend only on the bytes since the previous cut,
 * so equal content gives equal chunks wherever it lies. The gear table is part of the format's
 * reproducibility contract (docs/FORMAT.md): changing it changes every chunk digest.
 */
public final class FastCdc {
  private static final long[] GEAR = gearTable();

  private final int min;
  private final int avg;
  private final int max;
  private final long maskSmall;
  private final long maskLarge;

  public FastCdc(int min, int avg, int max) {
    if (min < 64 || avg < min || max < avg || Integer.bitCount(avg) != 1) {
      throw new IllegalArgumentException("FastCDC needs 64 <= min <= avg <= max, avg a power of two: "
          + min + "/" + avg + "/" + max);
    }
    this.min = min;
    this.avg = avg;
    this.max = max;
    int bits = Integer.numberOfTrailingZeros(avg);
    this.maskSmall = topBits(Math.min(bits + 2, 63));
    this.maskLarge = topBits(Math.max(bits - 2, 1));
  }

  public int minSize() {
    return min;
  }

  public int maxSize() {
    return max;
  }

  /**
   * The length of the chunk starting at {@code buf[off]}, given {@code len} available bytes: at
   * most {@link #maxSize()}, and {@code len} itself when {@code len <= minSize()}. A caller must offer
   * {@code min(maxSize, remaining content)} bytes for the cut to be content-defined.
   */
  public int cut(byte[] buf, int off, int len) {
    if (len <= min) {
      return len;
    }
    int n = Math.min(len, max);
    int normal = Math.min(avg, n);
    long fp = 0;
    int i = min;
    for (; i < normal; i++) {
      fp = (fp << 1) + GEAR[buf[off + i] & 0xff];
      if ((fp & maskSmall) == 0) {
        return i + 1;
      }
    }
    for (; i < n; i++) {
      fp = (fp << 1) + GEAR[buf[off + i] & 0xff];
      if ((fp & maskLarge) == 0) {
        return i + 1;
      }
    }
    return n;
  }

  private static long topBits(int count) {
    return -1L << (64 - count);
  }

  /** 256 values of SplitMix64 seeded with "lazypull" in ASCII; fixed forever (see class comment). */
  static long[] gearTable() {
    long[] table = new long[256];
    long state = 0x6c617a7970756c6cL;
    for (int i = 0; i < table.length; i++) {
      state += 0x9E3779B97F4A7C15L;
      long z = state;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      table[i] = z ^ (z >>> 31);
    }
    return table;
  }
}
