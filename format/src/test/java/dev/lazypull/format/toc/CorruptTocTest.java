package dev.lazypull.format.toc;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.TarEntry;
import dev.lazypull.oci.Digest;
import java.util.Arrays;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A TOC whose digest matches but whose body is garbage (a buggy or hostile converter) is either
 * decoded into valid, normal paths or rejected with a FormatException: never another exception.
 */
class CorruptTocTest {
  static final Digest LAYER = Digest.sha256(new byte[] {3});
  static final byte[] BODY = body();

  static byte[] body() {
    TocWriter w = new TocWriter();
    w.addFrame(100, 8192, new byte[32]);
    w.addFrame(50, 4096, new byte[32]);
    w.addEntry(TarEntry.of("usr", EntryType.DIR, 0755, 0), -1);
    w.addEntry(TarEntry.of("usr/bin/python3", EntryType.FILE, 0755, 3000), 1024);
    w.addEntry(new TarEntry("usr/bin/py", EntryType.SYMLINK, 0777, 0, 0, 0, 1, 2, "python3", 0, 0,
        Map.of("user.a", new byte[] {1})), -1);
    w.addEntry(new TarEntry("usr/bin/hard", EntryType.HARDLINK, 0755, 0, 0, 0, 1, 2, "usr/bin/python3", 0, 0, Map.of()), -1);
    w.addEntry(new TarEntry("dev/sda", EntryType.BLOCK_DEVICE, 0660, 0, 6, 0, 1, 2, null, 8, 0, Map.of()), -1);
    w.addEntry(TarEntry.of("etc/.wh.x", EntryType.FILE, 0644, 0).classified(), -1);
    byte[] frame = w.toSkippableFrame(3);
    byte[] compressed = Arrays.copyOfRange(frame, TocLayout.HEADER_BYTES, frame.length);
    return Zstd.decompress(compressed, TocLayout.getIntLE(frame, 16));
  }

  @Property(tries = 2000)
  void mutatedBodiesDecodeSafelyOrFailClearly(@ForAll @IntRange(min = 0, max = 10_000) int position,
      @ForAll byte value, @ForAll @IntRange(min = 0, max = 3) int truncateBy) {
    byte[] body = BODY.clone();
    body[position % body.length] = value;
    body = Arrays.copyOf(body, body.length - Math.min(truncateBy, body.length));
    VarintWriter w = new VarintWriter();
    w.bytes(body);
    byte[] toc = LayerTocErrorsTest.wrap(w);
    try {
      LayerToc decoded = LayerToc.read(toc, Digest.sha256(toc), LAYER);
      for (int i = 0; i < decoded.entryCount(); i++) {
        TarEntry e = decoded.entry(i); // re-validates path, link and attributes
        if (!e.path().isEmpty()) {
          assertThat(e.path().split("/", -1)).doesNotContain("", ".", "..");
        }
        assertThat(e.path()).doesNotContain("\0");
      }
    } catch (FormatException expected) {
      assertThat(expected).hasMessageContaining("TOC");
    }
  }
}
