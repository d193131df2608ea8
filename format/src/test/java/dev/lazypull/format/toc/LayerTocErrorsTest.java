package dev.lazypull.format.toc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.format.TarEntry;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LayerTocErrorsTest {
  static final Digest LAYER = Digest.sha256(new byte[] {2});

  static byte[] validToc() {
    TocWriter w = new TocWriter();
    w.addFrame(10, 2048, new byte[32]);
    w.addEntry(TarEntry.of("etc", EntryType.DIR, 0755, 0), -1);
    w.addEntry(TarEntry.of("etc/passwd", EntryType.FILE, 0644, 100), 1024);
    return w.toSkippableFrame(3);
  }

  /** A TOC whose only entry has the raw path {@code path}, bypassing the writer's own checks. */
  static byte[] tocWithPath(String path) {
    return tocWithPath(path.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] tocWithPath(byte[] path) {
    VarintWriter body = new VarintWriter();
    body.varint(1); // one frame of two tar blocks
    body.varint(10);
    body.varint(1024);
    body.bytes(new byte[32]);
    body.varint(1);
    body.u8(EntryType.DIR.code());
    body.varint(0);
    body.lengthPrefixed(path);
    for (int i = 0; i < 7; i++) {
      body.varint(0);
    }
    return wrap(body);
  }

  static byte[] wrap(VarintWriter body) {
    byte[] z = com.github.luben.zstd.Zstd.compress(body.toArray());
    byte[] out = new byte[TocLayout.HEADER_BYTES + z.length];
    TocLayout.putIntLE(out, 0, TocLayout.SKIPPABLE_MAGIC);
    TocLayout.putIntLE(out, 4, out.length - 8);
    TocLayout.putIntLE(out, 8, TocLayout.TOC_MAGIC);
    out[12] = TocLayout.VERSION;
    TocLayout.putIntLE(out, 16, body.length());
    System.arraycopy(z, 0, out, TocLayout.HEADER_BYTES, z.length);
    return out;
  }

  @Test
  void digestMismatchIsRejectedBeforeDecoding() {
    byte[] toc = validToc();
    Digest other = Digest.sha256(new byte[] {9});
    assertThatThrownBy(() -> LayerToc.read(toc, other, LAYER))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("TOC of layer " + LAYER + " has digest")
        .hasMessageContaining("expected " + other);
  }

  @Test
  void lengthDisagreeingWithTheAnnotationIsRejected() {
    byte[] toc = validToc();
    TocPointer pointer = new TocPointer(10, toc.length + 1, Digest.sha256(toc));
    Descriptor blob = new Descriptor(EncodedLayer.MEDIA_TYPE, LAYER, 10 + toc.length + 1);
    assertThatThrownBy(() -> LayerToc.read(toc, blob, pointer, IndexBudget.unlimited()))
        .hasMessageContaining("the annotation says");
  }

  @Test
  void truncatedTocIsRejectedAtEveryLength() {
    byte[] toc = validToc();
    for (int n = 0; n < toc.length; n++) {
      byte[] cut = Arrays.copyOf(toc, n);
      assertThatThrownBy(() -> LayerToc.read(cut, Digest.sha256(cut), LAYER))
          .isInstanceOf(FormatException.class)
          .hasMessageContaining("TOC of layer " + LAYER);
    }
  }

  @Test
  void anOversizedBodyIsRejectedBeforeAllocation() {
    byte[] toc = validToc();
    TocLayout.putIntLE(toc, 16, 300 << 20);
    assertThatThrownBy(() -> LayerToc.read(toc, Digest.sha256(toc), LAYER)).hasMessageContaining("exceeds the limit");
  }

  @Test
  void unknownVersionIsRejected() {
    byte[] toc = validToc();
    toc[12] = 2;
    assertThatThrownBy(() -> LayerToc.read(toc, Digest.sha256(toc), LAYER)).hasMessageContaining("has version 2");
  }

  @Test
  void unsafeNamesAreRejected() {
    for (String bad : new String[] {"../etc", "a/../../b", "/abs", "a//b", "a/./b", "nul\0byte", "."}) {
      byte[] toc = tocWithPath(bad);
      assertThatThrownBy(() -> LayerToc.read(toc, Digest.sha256(toc), LAYER))
          .as(bad)
          .isInstanceOf(FormatException.class)
          .hasMessageContaining("entry 0");
    }
  }

  @Test
  void malformedUtf8IsRejected() {
    byte[] toc = tocWithPath(new byte[] {'a', (byte) 0xC3, '/', 'b'});
    assertThatThrownBy(() -> LayerToc.read(toc, Digest.sha256(toc), LAYER))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("path of entry 0 is not valid UTF-8");
  }

  @Test
  void dataBeyondTheFramesIsRejected() {
    TocWriter w = new TocWriter();
    w.addFrame(10, 1024, new byte[32]);
    w.addEntry(TarEntry.of("big", EntryType.FILE, 0644, 1000), 512);
    byte[] toc = w.toSkippableFrame(3);
    assertThatThrownBy(() -> LayerToc.read(toc, Digest.sha256(toc), LAYER))
        .hasMessageContaining("data of big (1000 bytes at 512) lies beyond the layer's 1024 tar bytes");
  }
}
