package dev.lazypull.lazyfs.fetch;

import com.github.luben.zstd.Zstd;
import dev.lazypull.format.ChunkLocation;
import dev.lazypull.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A lazy layer blob built in memory for unit tests: chunks of half-random, half-repetitive bytes
 * (so zstd really compresses), each its own frame, with their locations.
 */
record TestLayer(Digest digest, byte[] blob, byte[] tar, List<ChunkLocation> chunks) {

  static TestLayer of(long seed, int... chunkSizes) {
    Random random = new Random(seed);
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    List<byte[]> plain = new ArrayList<>();
    List<long[]> offsets = new ArrayList<>();
    for (int size : chunkSizes) {
      byte[] data = new byte[size];
      random.nextBytes(data);
      for (int i = size / 2; i < size; i++) {
        data[i] = (byte) (i % 7);
      }
      byte[] frame = Zstd.compress(data, 3);
      offsets.add(new long[] {blob.size(), frame.length, tar.size()});
      blob.writeBytes(frame);
      tar.writeBytes(data);
      plain.add(data);
    }
    byte[] blobBytes = blob.toByteArray();
    Digest layer = Digest.sha256(blobBytes);
    List<ChunkLocation> chunks = new ArrayList<>();
    for (int i = 0; i < chunkSizes.length; i++) {
      long[] o = offsets.get(i);
      chunks.add(new ChunkLocation(layer, o[0], (int) o[1], o[2], chunkSizes[i], Digest.sha256(plain.get(i))));
    }
    return new TestLayer(layer, blobBytes, tar.toByteArray(), List.copyOf(chunks));
  }

  /** The layer's frame order, as the fetcher sees it from an image's frame tables. */
  LayerFrames frames() {
    return c -> {
      int i = chunks.indexOf(c);
      return i < 0 || i + 1 >= chunks.size() ? null : chunks.get(i + 1);
    };
  }

  /** Compressed bytes of frames [{@code from}, {@code to}). */
  int compressedBytes(int from, int to) {
    return (int) (chunks.get(to - 1).compressedOffset() + chunks.get(to - 1).compressedLength() - chunks.get(from).compressedOffset());
  }

  byte[] plain(int chunk) {
    ChunkLocation c = chunks.get(chunk);
    return java.util.Arrays.copyOfRange(tar, (int) c.uncompressedOffset(), (int) c.uncompressedOffset() + c.uncompressedLength());
  }
}
