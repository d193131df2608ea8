package dev.lazypull.format.chunking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class FastCdcTest {
  private static final FastCdc CDC = new FastCdc(256, 1024, 4096);

  /** Chunk lengths of {@code data}, offering each cut at most maxSize bytes as the encoder does. */
  static List<Integer> chunk(FastCdc cdc, byte[] data) {
    List<Integer> out = new ArrayList<>();
    int pos = 0;
    while (pos < data.length) {
      int n = cdc.cut(data, pos, Math.min(cdc.maxSize(), data.length - pos));
      out.add(n);
      pos += n;
    }
    return out;
  }

  static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Property(tries = 50)
  void chunksCoverTheInputAndRespectMinAndMax(@ForAll long seed, @ForAll @IntRange(max = 100_000) int size) {
    List<Integer> lengths = chunk(CDC, random(seed, size));
    assertThat(lengths.stream().mapToInt(Integer::intValue).sum()).isEqualTo(size);
    for (int i = 0; i < lengths.size(); i++) {
      assertThat(lengths.get(i)).isBetween(1, 4096);
      if (i < lengths.size() - 1) {
        assertThat(lengths.get(i)).isGreaterThan(256);
      }
    }
  }

  @Property(tries = 50)
  void boundariesDependOnlyOnContent(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5000) int prefix) {
    byte[] data = random(seed, 60_000);
    byte[] shifted = new byte[prefix + data.length];
    new Random(~seed).nextBytes(shifted);
    System.arraycopy(data, 0, shifted, prefix, data.length);
    List<Long> original = cuts(data, 0);
    List<Long> moved = cuts(shifted, -prefix);
    assertResynchronised(original, moved, 0, data.length);
  }

  @Property(tries = 50)
  void anInsertionChangesOnlyNearbyChunks(@ForAll long seed, @ForAll @IntRange(min = 0, max = 59_999) int at,
      @ForAll @IntRange(min = 1, max = 100) int inserted) {
    byte[] data = random(seed, 60_000);
    byte[] edited = new byte[data.length + inserted];
    System.arraycopy(data, 0, edited, 0, at);
    Arrays.fill(edited, at, at + inserted, (byte) 0x5A);
    System.arraycopy(data, at, edited, at + inserted, data.length - at);
    List<Long> before = cuts(data, 0);
    List<Long> after = new ArrayList<>();
    for (long c : cuts(edited, 0)) {
      if (c <= at || c > at + inserted) { // a cut inside the inserted bytes has no place in the original
        after.add(c <= at ? c : c - inserted);
      }
    }
    // cuts before the edit are untouched; after it the chunker falls back into step soon
    List<Long> beforeEdit = before.stream().filter(c -> c <= at).toList();
    assertThat(after.stream().filter(c -> c <= at).toList()).isEqualTo(beforeEdit);
    assertResynchronised(before, after, at, data.length);
  }

  /**
   * Both cut lists (in the same content coordinates) share a cut within 8 maximum chunks after
   * {@code from}, and from that shared cut on they are identical: cuts depend only on content.
   */
  private static void assertResynchronised(List<Long> a, List<Long> b, long from, long end) {
    Set<Long> inB = new HashSet<>(b);
    long common = a.stream().filter(c -> c > from && inB.contains(c)).findFirst().orElse(end);
    assertThat(common).isLessThanOrEqualTo(Math.min(end, from + 8L * CDC.maxSize()));
    assertThat(a.stream().filter(c -> c >= common).toList()).isEqualTo(b.stream().filter(c -> c >= common).toList());
  }

  /** Absolute end positions of the chunks of {@code data}, shifted by {@code delta}, from 0 on. */
  private static List<Long> cuts(byte[] data, long delta) {
    List<Long> out = new ArrayList<>();
    long pos = 0;
    for (int n : chunk(CDC, data)) {
      pos += n;
      if (pos + delta > 0) {
        out.add(pos + delta);
      }
    }
    return out;
  }

  @Test
  void sizesClusterAroundTheAverage() {
    FastCdc cdc = new FastCdc(64 << 10, 256 << 10, 1 << 20);
    List<Integer> lengths = chunk(cdc, random(42, 64 << 20));
    double mean = lengths.stream().mapToInt(Integer::intValue).average().orElseThrow();
    assertThat(mean).isBetween(200_000.0, 340_000.0);
  }

  @Test
  void gearTableAndCutsArePinned() {
    // changing the table or the cut rule changes every chunk digest: this test guards the format
    long[] gear = FastCdc.gearTable();
    assertThat(Long.toHexString(gear[0]) + " " + Long.toHexString(gear[255])).isEqualTo(PINNED_GEAR);
    assertThat(chunk(CDC, random(1, 20_000))).isEqualTo(PINNED_CUTS);
  }

  static final String PINNED_GEAR = "d33f560db275a9ac 274b8691ec0fd743";
  static final List<Integer> PINNED_CUTS =
      List.of(1121, 1058, 649, 1150, 1520, 1282, 1211, 1091, 1192, 1162, 1427, 1424, 1046, 1308, 1455, 1239, 427, 238);

}
