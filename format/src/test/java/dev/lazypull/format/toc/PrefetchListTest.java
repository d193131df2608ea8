package dev.lazypull.format.toc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.oci.Digest;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrefetchListTest {
  static final Digest LAYER = Digest.sha256(new byte[] {3});

  /** A TOC of {@code frames} frames of 4 KiB and one file spanning them. */
  static byte[] toc(int frames) {
    TocWriter w = new TocWriter();
    for (int i = 0; i < frames; i++) {
      w.addFrame(100, 4096, Digest.sha256(new byte[] {(byte) i}).raw());
    }
    w.addEntry(TarEntry.of("f", EntryType.FILE, 0644, frames * 4096L - 1024), 512);
    return w.toSkippableFrame(3);
  }

  static LayerToc read(byte[] frame) throws FormatException {
    return LayerToc.read(frame, Digest.sha256(frame), LAYER);
  }

  @Test
  void listSurvivesTheRoundTripAndTheRestOfTheTocIsUnchanged() throws Exception {
    byte[] plain = toc(10);
    PrefetchList list = PrefetchList.of(new int[] {0, 0, 0, 0}, new int[] {7, 2, 3, 9});
    byte[] recorded = TocExtensions.withPrefetch(plain, list);

    LayerToc a = read(plain);
    LayerToc b = read(recorded);
    assertThat(a.prefetch()).isEqualTo(PrefetchList.EMPTY);
    assertThat(b.prefetch()).isEqualTo(list);
    assertThat(b.entry(0)).isEqualTo(a.entry(0));
    assertThat(b.frames().size()).isEqualTo(10);
    // Replacing a list drops the old one; an empty list gives back the original bytes.
    PrefetchList other = PrefetchList.of(new int[] {0}, new int[] {1});
    assertThat(read(TocExtensions.withPrefetch(recorded, other)).prefetch()).isEqualTo(other);
    assertThat(TocExtensions.withPrefetch(recorded, PrefetchList.EMPTY)).isEqualTo(plain);
  }

  @Test
  void aReaderThatKnowsNoExtensionDecodesTheSameBody() throws Exception {
    byte[] plain = toc(5);
    byte[] recorded = TocExtensions.withPrefetch(plain, PrefetchList.of(new int[] {0, 0}, new int[] {4, 0}));
    // What version-1 readers before extensions did: decompress everything after the header.
    int bodyLength = TocLayout.getIntLE(recorded, 16);
    byte[] body = new byte[bodyLength];
    long n = Zstd.decompressByteArray(body, 0, bodyLength, recorded, TocLayout.HEADER_BYTES,
        recorded.length - TocLayout.HEADER_BYTES);
    assertThat(Zstd.isError(n)).as(Zstd.isError(n) ? Zstd.getErrorName(n) : "ok").isFalse();
    assertThat(n).isEqualTo(bodyLength);
    byte[] plainBody = new byte[bodyLength];
    Zstd.decompressByteArray(plainBody, 0, bodyLength, plain, TocLayout.HEADER_BYTES, plain.length - TocLayout.HEADER_BYTES);
    assertThat(body).isEqualTo(plainBody);
  }

  @Test
  void unknownExtensionsAndLaterVersionsAreSkipped() throws Exception {
    byte[] plain = toc(3);
    byte[] withList = TocExtensions.withPrefetch(plain, PrefetchList.of(new int[] {0}, new int[] {2}));
    byte[] later = withList.clone();
    later[plain.length + 12] = 2; // prefetch list version 2: not understood, skipped
    assertThat(read(later).prefetch()).isEqualTo(PrefetchList.EMPTY);
    byte[] unknown = withList.clone();
    unknown[plain.length + 8] = 'X'; // another extension's magic
    assertThat(read(unknown).prefetch()).isEqualTo(PrefetchList.EMPTY);
  }

  @Test
  void malformedListsAreRefusedWithTheReason() throws Exception {
    byte[] plain = toc(3);
    byte[] ok = TocExtensions.withPrefetch(plain, PrefetchList.of(new int[] {0, 0}, new int[] {2, 1}));
    int payload = plain.length + TocExtensions.HEADER_BYTES;

    byte[] hugeCount = ok.clone();
    hugeCount[payload] = 100; // count 100 in a 4-byte payload
    assertThatThrownBy(() -> read(hugeCount)).isInstanceOf(FormatException.class).hasMessageContaining("chunk count 100");

    byte[] repeated = ok.clone();
    repeated[payload + 4] = 0; // second entry's delta 0: frame 2 again
    assertThatThrownBy(() -> read(repeated)).hasMessageContaining("names layer 0, frame 2 twice");

    byte[] negative = ok.clone();
    negative[payload + 2] = 3; // first delta -2
    assertThatThrownBy(() -> read(negative)).hasMessageContaining("names frame -2");

    byte[] twice = Arrays.copyOf(ok, ok.length + (ok.length - plain.length));
    System.arraycopy(ok, plain.length, twice, ok.length, ok.length - plain.length);
    TocLayout.putIntLE(twice, 4, twice.length - 8);
    assertThatThrownBy(() -> read(twice)).hasMessageContaining("two prefetch lists");

    byte[] stray = Arrays.copyOf(plain, plain.length + 3);
    TocLayout.putIntLE(stray, 4, stray.length - 8);
    assertThatThrownBy(() -> read(stray)).hasMessageContaining("stray bytes after the body");

    byte[] overlong = ok.clone();
    TocLayout.putIntLE(overlong, plain.length + 4, 1000);
    assertThatThrownBy(() -> read(overlong)).hasMessageContaining("claims 1000 bytes");

    for (int n = plain.length + 1; n < ok.length; n++) {
      byte[] cut = Arrays.copyOf(ok, n);
      TocLayout.putIntLE(cut, 4, cut.length - 8);
      assertThatThrownBy(() -> read(cut)).isInstanceOf(FormatException.class);
    }
  }

  @Test
  void mergedIndexChecksIndicesAgainstTheImage() throws Exception {
    LayerToc lower = read(toc(4));
    LayerToc top = read(TocExtensions.withPrefetch(toc(2), PrefetchList.of(new int[] {1, 0, 0}, new int[] {1, 3, 0})));
    MergedIndex index = MergedIndex.of(List.of(lower, top));
    assertThat(index.prefetchChunks()).containsExactly(
        top.frames().location(1), lower.frames().location(3), lower.frames().location(0));

    LayerToc badLayer = read(TocExtensions.withPrefetch(toc(2), PrefetchList.of(new int[] {2}, new int[] {0})));
    assertThatThrownBy(() -> MergedIndex.of(List.of(lower, badLayer)))
        .isInstanceOf(FormatException.class).hasMessageContaining("names layer 2 of an image with 2 layers");
    LayerToc badFrame = read(TocExtensions.withPrefetch(toc(2), PrefetchList.of(new int[] {0}, new int[] {4})));
    assertThatThrownBy(() -> MergedIndex.of(List.of(lower, badFrame)))
        .hasMessageContaining("names frame 4 of layer 0, which has 4 frames");
    // A lower layer's list (from the image it was recorded for) is not the image's.
    assertThat(MergedIndex.of(List.of(badLayer, lower)).prefetchChunks()).isEmpty();
  }
}
