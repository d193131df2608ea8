package dev.lazypull.format.toc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.IndexTooLargeException;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each check a TOC passes at mount (docs/FORMAT.md 3.2), one hostile TOC per check: well formed,
 * correctly pinned, and refused with a message naming the layer and what is wrong.
 */
class HostileTocTest {
  static final Digest LAYER = Digest.sha256(new byte[] {7});

  /** A TOC placed as the format says: right after its frames, ending the blob. */
  record Placed(byte[] toc, Descriptor blob, TocPointer pointer) {
    static Placed after(long framesBytes, byte[] toc) {
      return new Placed(toc, new Descriptor(EncodedLayer.MEDIA_TYPE, LAYER, framesBytes + toc.length),
          new TocPointer(framesBytes, toc.length, Digest.sha256(toc)));
    }

    LayerToc read(IndexBudget budget) throws FormatException {
      return LayerToc.read(toc, blob, pointer, budget);
    }

    LayerToc read() throws FormatException {
      return read(IndexBudget.unlimited());
    }
  }

  static TocWriter oneFile(int compressed, int uncompressed) {
    TocWriter w = new TocWriter();
    w.addFrame(compressed, uncompressed, new byte[32]);
    w.addEntry(TarEntry.of("f", EntryType.FILE, 0644, 10), 512);
    return w;
  }

  @Test
  void aWellPlacedTocIsAccepted() throws FormatException {
    Placed p = Placed.after(300, oneFile(300, 2048).toSkippableFrame(3));
    assertThat(p.read().entryCount()).isEqualTo(1);
  }

  @Test
  void aTocThatDoesNotEndItsBlobIsRefusedBeforeFetching() {
    Placed p = Placed.after(300, oneFile(300, 2048).toSkippableFrame(3));
    Descriptor longer = new Descriptor(EncodedLayer.MEDIA_TYPE, LAYER, p.blob().size() + 1);
    assertThatThrownBy(() -> LayerToc.requirePlacement(longer, p.pointer(), IndexBudget.unlimited()))
        .hasMessageContaining("TOC of layer " + LAYER)
        .hasMessageContaining("it must end the blob, which is " + longer.size() + " bytes");
  }

  @Test
  void framesPastTheBlobAreRefused() {
    // the case: a compressed frame length far past the end of the blob
    TocWriter w = oneFile(300, 2048);
    w.addFrame(2_000_000_000, 4096, new byte[32]);
    Placed p = Placed.after(300, w.toSkippableFrame(3));
    assertThatThrownBy(p::read)
        .hasMessageContaining("TOC of layer " + LAYER)
        .hasMessageContaining("frame 1 (bytes 300+2000000000) runs past the frames' end at byte 300");
  }

  @Test
  void framesThatDoNotFillTheBlobUpToTheTocAreRefused() {
    Placed p = Placed.after(400, oneFile(300, 2048).toSkippableFrame(3));
    assertThatThrownBy(p::read).hasMessageContaining("the frames end at byte 300, but the TOC starts at byte 400");
  }

  @Test
  void anUncompressedLengthNoFrameCanHoldIsRefused() {
    // the case: an absurd uncompressed length (within the frame limit, past zstd's ratio)
    Placed p = Placed.after(100, oneFile(100, 100 * 32768 + 1).toSkippableFrame(3));
    assertThatThrownBy(p::read)
        .hasMessageContaining("frame 0 claims 3276801 uncompressed bytes, which 100 compressed bytes cannot hold");
  }

  @Test
  void aFrameLargerThanTheFormatAllowsIsRefused() {
    Placed p = Placed.after(1 << 20, oneFile(1 << 20, Integer.MAX_VALUE).toSkippableFrame(3));
    assertThatThrownBy(p::read)
        .hasMessageContaining("uncompressed length of frame 0 2147483647 is out of range (max " + FrameTable.MAX_FRAME_BYTES);
  }

  @Test
  void framesSmallerThanAnyZstdFrameOrLargerThanZstdEverWritesAreRefused() {
    TocWriter w = oneFile(9, 1024);
    w.addFrame(91, 1024, new byte[32]);
    Placed tiny = Placed.after(100, w.toSkippableFrame(3));
    assertThatThrownBy(tiny::read).hasMessageContaining("frame 0 has compressed length 9, less than the smallest zstd frame");
    Placed bloated = Placed.after(1 << 20, oneFile(1 << 20, 1024).toSkippableFrame(3));
    assertThatThrownBy(bloated::read).hasMessageContaining("more than zstd ever needs");
  }

  @Test
  void moreFramesThanTheBlobCanHoldAreRefused() {
    TocWriter w = new TocWriter();
    for (int i = 0; i < 20; i++) {
      w.addFrame(10, 1024, new byte[32]);
    }
    Placed p = Placed.after(100, w.toSkippableFrame(3)); // 20 frames of at least 10 bytes in 100
    assertThatThrownBy(p::read).hasMessageContaining("frame count 20 is out of range (max 10)");
  }

  @Test
  void moreEntriesThanTheTarHasBlocksAreRefused() {
    TocWriter w = new TocWriter();
    w.addFrame(100, 1024, new byte[32]); // two tar blocks: at most two entries
    for (int i = 0; i < 3; i++) {
      w.addEntry(TarEntry.of("d" + i, EntryType.DIR, 0755, 0), -1);
    }
    Placed p = Placed.after(100, w.toSkippableFrame(3));
    assertThatThrownBy(p::read).hasMessageContaining("entry count (each entry is at least one tar block");
  }

  @Test
  void aBodyLongerThanItsCompressedBytesCanHoldIsRefusedBeforeAllocation() {
    byte[] toc = oneFile(300, 2048).toSkippableFrame(3);
    int compressed = toc.length - TocLayout.HEADER_BYTES;
    TocLayout.putIntLE(toc, 16, compressed * 32768 + 1);
    Placed p = Placed.after(300, toc);
    assertThatThrownBy(p::read).hasMessageContaining("cannot come out of " + compressed + " compressed bytes");
  }

  @Test
  void anIndexPastItsMemoryLimitIsRefusedNamingTheLayerAndTheLimit() throws FormatException {
    TocWriter w = new TocWriter();
    w.addFrame(1 << 16, 1 << 24, new byte[32]);
    for (int i = 0; i < 20_000; i++) {
      w.addEntry(TarEntry.of("dir" + i, EntryType.DIR, 0755, 0), -1);
    }
    Placed p = Placed.after(1 << 16, w.toSkippableFrame(3));
    assertThatThrownBy(() -> p.read(IndexBudget.of(1 << 20)))
        .isInstanceOf(IndexTooLargeException.class)
        .hasMessageContaining("TOC of layer " + LAYER + ": its 20000 entries would take the index past its memory limit of "
            + (1 << 20) + " bytes");
    // the merged index is charged too: enough for the TOC, not for the merge
    IndexBudget budget = IndexBudget.of(3 << 20);
    LayerToc toc = p.read(budget);
    assertThatThrownBy(() -> MergedIndex.of(List.of(toc), budget))
        .isInstanceOf(IndexTooLargeException.class)
        .hasMessageContaining("the merged index's");
  }

  @Test
  void aSharedBudgetBoundsAllImagesAndIsGivenBackOnRelease() throws FormatException {
    Placed p = Placed.after(300, oneFile(300, 2048).toSkippableFrame(3));
    IndexBudget alone = IndexBudget.unlimited();
    p.read(alone);
    IndexBudget node = IndexBudget.of(alone.used() * 3 / 2);
    IndexBudget first = IndexBudget.of(1 << 20, node);
    p.read(first);
    assertThat(node.used()).isEqualTo(first.used()).isEqualTo(alone.used());
    IndexBudget second = IndexBudget.of(1 << 20, node);
    assertThatThrownBy(() -> p.read(second)).hasMessageContaining("the node's index memory is exhausted");
    second.release(); // what a failed open does
    assertThat(node.used()).isEqualTo(first.used());
    first.release();
    assertThat(node.used()).isZero();
    p.read(second);
  }

  @Test
  void overlongNamesAreRefused() {
    String longName = "n".repeat(256);
    for (String bad : new String[] {longName, "a/" + longName, ("d".repeat(200) + "/").repeat(21) + "f"}) {
      byte[] toc = LayerTocErrorsTest.tocWithPath(bad);
      assertThatThrownBy(() -> LayerToc.read(toc, Digest.sha256(toc), LAYER))
          .isInstanceOf(FormatException.class)
          .hasMessageContaining("entry 0");
    }
  }

  @Test
  void theConverterRefusesWhatTheReaderWould() {
    assertThatThrownBy(() -> dev.lazypull.format.PathNames.normalize("./" + "n".repeat(256)))
        .hasMessageContaining("longer than 255 bytes");
    assertThatThrownBy(() -> new TarEntry("s", EntryType.SYMLINK, 0777, 0, 0, 0, 0, 0, "t".repeat(4096), 0, 0, Map.of()))
        .hasMessageContaining("symlink target longer than 4095 bytes");
    assertThatThrownBy(() -> new TarEntry("f", EntryType.FILE, 0644, 0, 0, 0, 0, 0, null, 0, 0,
        Map.of("user.x", new byte[65537]))).hasMessageContaining("bad xattr");
  }
}
