package dev.lazypull.fuse.testfs;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** The bytes of a test file: held in memory, or sparse (zeros with a few data regions). */
public sealed interface Content {
  long size();

  /** Fills {@code dst} with the bytes from {@code offset} on (the caller keeps within the size). */
  void read(long offset, ByteBuffer dst);

  static Content of(byte[] bytes) {
    return new Bytes(bytes);
  }

  record Bytes(byte[] bytes) implements Content {
    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
      dst.put(bytes, (int) offset, dst.remaining());
    }
  }

  /** Zeros except for {@code regions} (offset to bytes, not overlapping). */
  record Sparse(long size, NavigableMap<Long, byte[]> regions) implements Content {
    public Sparse(long size, Map<Long, byte[]> regions) {
      this(size, new TreeMap<>(regions));
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
      long end = offset + dst.remaining();
      int base = dst.position();
      while (dst.hasRemaining()) {
        dst.put((byte) 0);
      }
      Map.Entry<Long, byte[]> first = regions.floorEntry(offset);
      long from = first == null ? offset : first.getKey();
      for (Map.Entry<Long, byte[]> r : regions.subMap(from, true, end, false).entrySet()) {
        long rs = r.getKey();
        long re = rs + r.getValue().length;
        long s = Math.max(rs, offset);
        long e = Math.min(re, end);
        if (s < e) {
          dst.put(base + (int) (s - offset), r.getValue(), (int) (s - rs), (int) (e - s));
        }
      }
    }
  }
}
