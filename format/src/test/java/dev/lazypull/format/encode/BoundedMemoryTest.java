package dev.lazypull.format.encode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.TarEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A layer streams through: the encoder never reads far ahead of what it has written. */
class BoundedMemoryTest {

  @Test
  void inputReadAheadIsBoundedByTheFramesInFlight() throws IOException {
    int maxChunk = 64 << 10;
    int threads = 2;
    EncoderOptions options =
        EncoderOptions.defaults().withGrouping(16 << 10, 16 << 10).withChunkSizes(16 << 10, 32 << 10, maxChunk).withThreads(threads);
    long size = 64L << 20;
    CountingInput data = new CountingInput(size);
    List<Long> consumedAtWrite = new ArrayList<>();
    OutputStream out = new OutputStream() {
      @Override
      public void write(int b) {
        throw new UnsupportedOperationException("frames are written whole");
      }

      @Override
      public void write(byte[] b, int off, int len) {
        consumedAtWrite.add(data.consumed);
      }
    };
    EncodedLayer layer;
    try (LayerEncoder encoder = new LayerEncoder(out, options)) {
      encoder.addEntry(TarEntry.of("big", EntryType.FILE, 0644, size), new byte[512], data, size);
      encoder.finishTar(new byte[1024]);
      layer = encoder.finish();
    }
    assertThat(layer.uncompressedSize()).isEqualTo(512 + size + 1024);
    // when frame k is written, at most k-1 frames have left, (2 * threads + 1) are in flight,
    // and one chunk buffer is being filled
    long inFlight = 2L * threads + 1;
    for (int k = 1; k < consumedAtWrite.size(); k++) {
      assertThat(consumedAtWrite.get(k - 1)).as("input consumed at write %d", k)
          .isLessThanOrEqualTo((k - 1 + inFlight + 1) * maxChunk);
    }
    assertThat(consumedAtWrite.size()).isGreaterThan(1000);
  }

  /** {@code size} pseudo-random bytes, counting how many were read. */
  static final class CountingInput extends InputStream {
    private final SplittableRandom random = new SplittableRandom(7);
    private final long size;
    volatile long consumed;

    CountingInput(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (consumed >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - consumed);
      for (int i = 0; i < n; i += 8) {
        long v = random.nextLong();
        for (int j = 0; j < 8 && i + j < n; j++) {
          b[off + i + j] = (byte) (v >>> (8 * j));
        }
      }
      consumed += n;
      return n;
    }
  }
}
