package dev.lazypull.format.toc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.TarEntry;
import dev.lazypull.oci.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class TocRoundTripTest {
  static final Digest LAYER = Digest.sha256(new byte[] {1});

  @Property(tries = 200)
  void everyEntryAndFrameSurvivesTheRoundTrip(@ForAll("entries") List<TarEntry> entries,
      @ForAll("frameLengths") List<Integer> frameLengths) throws Exception {
    TocWriter w = new TocWriter();
    long tarSize = 0;
    List<byte[]> digests = new ArrayList<>();
    for (int i = 0; i < frameLengths.size(); i++) {
      byte[] sha = Digest.sha256(new byte[] {(byte) i, (byte) (i >> 8)}).raw();
      digests.add(sha);
      w.addFrame(Math.max(10, frameLengths.get(i) / 3 + 1), frameLengths.get(i), sha);
      tarSize += frameLengths.get(i);
    }
    long[] dataOffsets = new long[entries.size()];
    long offset = 0;
    for (int i = 0; i < entries.size(); i++) {
      TarEntry e = entries.get(i);
      offset += 512;
      dataOffsets[i] = e.type() == EntryType.FILE ? offset : -1;
      offset += e.size();
    }
    if (offset > tarSize) { // make the frames cover the entries' data
      w.addFrame((int) Math.max(10, (offset - tarSize) / 3 + 1), (int) (offset - tarSize), new byte[32]);
    }
    for (int i = 0; i < entries.size(); i++) {
      w.addEntry(entries.get(i), dataOffsets[i]);
    }
    byte[] frame = w.toSkippableFrame(3);

    LayerToc toc = LayerToc.read(frame, Digest.sha256(frame), LAYER);

    assertThat(toc.entryCount()).isEqualTo(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      assertThat(toc.entry(i)).usingRecursiveComparison().isEqualTo(entries.get(i));
      assertThat(toc.dataOffset(i)).isEqualTo(dataOffsets[i]);
    }
    FrameTable frames = toc.frames();
    long compressed = 0;
    long uncompressed = 0;
    for (int i = 0; i < frameLengths.size(); i++) {
      assertThat(frames.compressedOffset(i)).isEqualTo(compressed);
      assertThat(frames.uncompressedOffset(i)).isEqualTo(uncompressed);
      assertThat(frames.uncompressedLength(i)).isEqualTo(frameLengths.get(i));
      assertThat(frames.digest(i).raw()).isEqualTo(digests.get(i));
      assertThat(frames.frameAt(uncompressed + frameLengths.get(i) - 1)).isEqualTo(i);
      compressed += frames.compressedLength(i);
      uncompressed += frameLengths.get(i);
    }
  }

  @Provide
  Arbitrary<List<Integer>> frameLengths() {
    return Arbitraries.integers().between(1, 1 << 20).list().ofMaxSize(30);
  }

  @Provide
  Arbitrary<List<TarEntry>> entries() {
    return entry().list().ofMaxSize(40);
  }

  static Arbitrary<TarEntry> entry() {
    Arbitrary<String> name = Arbitraries.oneOf(
        Arbitraries.strings().withCharRange('a', 'e').ofMinLength(1).ofMaxLength(4),
        Arbitraries.strings().all().ofMinLength(1).ofMaxLength(12)
            .filter(s -> !s.contains("/") && !s.contains("\0") && !s.equals(".") && !s.equals("..")
                && !s.startsWith(".wh.")
                && s.equals(new String(s.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.UTF_8))));
    Arbitrary<String> path = name.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("/", l));
    Arbitrary<EntryType> type = Arbitraries.of(EntryType.FILE, EntryType.DIR, EntryType.SYMLINK, EntryType.HARDLINK,
        EntryType.CHAR_DEVICE, EntryType.BLOCK_DEVICE, EntryType.FIFO);
    Arbitrary<Map<String, byte[]>> xattrs = Arbitraries.maps(
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10).map(s -> "user." + s),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(20)).ofMaxSize(2);
    return Combinators.combine(
            path, type, Arbitraries.integers().between(0, 07777),
            Arbitraries.longs().between(0, TarEntry.MAX_ID), Arbitraries.longs().between(0, 1 << 20),
            Arbitraries.longs().between(-(1L << 40), 1L << 40), Arbitraries.integers().between(0, 999_999_999),
            xattrs)
        .as((p, t, mode, id, size, mtime, nanos, x) -> new TarEntry(
            p, t, mode, id, id / 2, t == EntryType.FILE ? size : 0, mtime, nanos,
            t == EntryType.SYMLINK ? "../" + p : t == EntryType.HARDLINK ? p + "/target" : null,
            t == EntryType.CHAR_DEVICE || t == EntryType.BLOCK_DEVICE ? (int) (size & 0xFFF) : 0,
            t == EntryType.CHAR_DEVICE || t == EntryType.BLOCK_DEVICE ? (int) (size >> 3) : 0, x));
  }
}
