package dev.lazypull.format.toc;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import dev.lazypull.format.ChunkLocation;
import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.IndexTooLargeException;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.format.testing.TestTar;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import net.jqwik.api.statistics.Statistics;

/**
 * Hostile TOCs, made by mutating the real TOCs of a two-layer image the project's encoder wrote
 * (frame lengths, counts, entry fields, names, nesting, order, body length), each re-pinned with a
 * correct digest and placed at the end of the real blob, as a hostile author would publish them.
 * Whatever the mutations, decoding and merging either refuse the image with a FormatException that
 * names a layer, or give an index whose every chunk lies inside its blob's frames and whose every
 * file read yields either the layer's true bytes or EIO. Never an OutOfMemoryError (this class runs
 * in its own surefire execution with a 160 MiB heap and an 8 MiB index budget) nor another
 * exception. The mutations are jqwik values, so a failure shrinks to the fewest, smallest ones.
 */
@AddLifecycleHook(HostileTocPropertyTest.SmallHeapOnly.class)
class HostileTocPropertyTest {
  /** Set by the surefire execution that runs this class on a small heap (format/pom.xml). */
  static final String SMALL_HEAP_PROPERTY = "lazypull.test.smallHeap";

  /** Skips the class in any other execution (e.g. the default one under -Dtest=...). */
  public static final class SmallHeapOnly implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
      return System.getProperty(SMALL_HEAP_PROPERTY) != null ? SkipResult.doNotSkip()
          : SkipResult.skip("runs only in the small-heap execution (" + SMALL_HEAP_PROPERTY + ")");
    }
  }

  private static final EncoderOptions OPTIONS =
      EncoderOptions.defaults().withGrouping(4096, 4096).withChunkSizes(1024, 4096, 16384).withThreads(1);
  private static final long BUDGET_BYTES = 8 << 20;
  private static final List<RealLayer> IMAGE = List.of(layer(lowerTar()), layer(upperTar()));

  /** One encoded layer: its blob, its tar, and its TOC as a mutable model. */
  record RealLayer(Digest digest, byte[] blob, long tocOffset, byte[] tar, RawToc toc) {}

  @Example
  void runsOnTheSmallHeapItsExecutionGivesIt() {
    // the property proves nothing about OutOfMemoryError on a heap that fits anything
    assertThat(Runtime.getRuntime().maxMemory()).isLessThan(256L << 20);
  }

  @Example
  void theLargestMutationsFitTheHeapToo() throws Exception {
    // an entry grown to its largest, copied as often as a Reorder may, nested deep, and the largest pads:
    // unbounded, the test's own TOC building would need gigabytes
    hostileTocsAreRefusedOrServeOnlyTrueBytes(List.of(
        new Targeted(0, new Xattr(3, 256, 65_537, 3)),
        new Targeted(0, new Nest(3, 2100)),
        new Targeted(0, new Reorder(3, 0, 60_000)),
        new Targeted(0, new Pad(24 << 20))));
  }

  @Property(tries = 400)
  void hostileTocsAreRefusedOrServeOnlyTrueBytes(@ForAll("mutations") List<Targeted> mutations) throws Exception {
    List<LayerToc> tocs = new ArrayList<>();
    IndexBudget budget = IndexBudget.of(BUDGET_BYTES);
    boolean[] framesTouched = new boolean[IMAGE.size()];
    MergedIndex index;
    try {
      for (int l = 0; l < IMAGE.size(); l++) {
        RealLayer real = IMAGE.get(l);
        RawToc toc = real.toc().copy();
        for (Targeted m : mutations) {
          if (m.layer() == l) {
            m.mutation().apply(toc);
            framesTouched[l] |= m.mutation().touchesFrames();
          }
        }
        byte[] frame = toc.toSkippableFrame();
        Descriptor blob = new Descriptor(EncodedLayer.MEDIA_TYPE, real.digest(), real.tocOffset() + frame.length);
        TocPointer p = new TocPointer(real.tocOffset(), frame.length, Digest.sha256(frame));
        LayerToc.requirePlacement(blob, p, budget);
        tocs.add(LayerToc.read(frame, blob, p, budget));
      }
      index = MergedIndex.of(tocs, budget);
    } catch (FormatException refused) {
      assertThat(refused).hasMessageContaining("layer sha256:");
      Statistics.collect(refused instanceof IndexTooLargeException ? "refused: memory" : "refused");
      return;
    }
    Statistics.collect(walk(index, framesTouched) ? "mounted, every read served" : "mounted, some reads EIO");
  }

  /**
   * Every inode's metadata, and every file read whole through its chunks, as the fetcher would;
   * false when a read failed (EIO).
   */
  private static boolean walk(MergedIndex index, boolean[] framesTouched) {
    boolean allServed = true;
    for (long ino = 1; ino <= index.maxInode(); ino++) {
      index.stMode(ino);
      index.xattrs(ino);
      index.readlink(ino);
      for (int c = 0; c < index.childCount(ino); c++) {
        assertThat(index.lookup(ino, index.childName(ino, c))).isEqualTo(index.childInode(ino, c));
      }
      if (index.type(ino) == EntryType.FILE && index.size(ino) > 0) {
        int layer = index.layerOf(ino);
        long size = Math.min(index.size(ino), 1 << 20);
        List<ChunkLocation> chunks = index.chunks(ino, 0, (int) size);
        byte[] read = read(IMAGE.get(layer), chunks, index.dataOffset(ino), (int) size);
        allServed &= read != null;
        if (read != null && !framesTouched[layer]) {
          // with the layer's frame table as written, tar coordinates are the true ones
          byte[] tar = IMAGE.get(layer).tar();
          long start = index.dataOffset(ino);
          assertThat(read).isEqualTo(Arrays.copyOfRange(tar, (int) start, (int) (start + size)));
        }
      }
    }
    return allServed;
  }

  /**
   * File bytes [tarOffset, +length) from {@code chunks}, each decompressed from the real blob and
   * verified against its length and digest as the fetcher does; null (EIO) when one fails. A chunk
   * that verifies must be byte for byte the real frame at its offset.
   */
  private static byte[] read(RealLayer layer, List<ChunkLocation> chunks, long tarOffset, int length) {
    byte[] out = new byte[length];
    long expectedNext = -1;
    for (ChunkLocation c : chunks) {
      assertThat(c.compressedOffset()).isNotNegative();
      assertThat(c.compressedOffset() + c.compressedLength()).isLessThanOrEqualTo(layer.tocOffset());
      assertThat(c.uncompressedLength()).isBetween(1, FrameTable.MAX_FRAME_BYTES);
      if (expectedNext >= 0) {
        assertThat(c.uncompressedOffset()).isEqualTo(expectedNext); // contiguous
      }
      expectedNext = c.uncompressedOffset() + c.uncompressedLength();
      byte[] plain = decode(layer.blob(), c);
      if (plain == null) {
        return null;
      }
      long from = Math.max(tarOffset, c.uncompressedOffset());
      long to = Math.min(tarOffset + length, c.uncompressedOffset() + c.uncompressedLength());
      System.arraycopy(plain, (int) (from - c.uncompressedOffset()), out, (int) (from - tarOffset), (int) (to - from));
    }
    assertThat(chunks).isNotEmpty();
    assertThat(chunks.getFirst().uncompressedOffset()).isLessThanOrEqualTo(tarOffset);
    assertThat(expectedNext).isGreaterThanOrEqualTo(tarOffset + length);
    return out;
  }

  private static byte[] decode(byte[] blob, ChunkLocation c) {
    int off = (int) c.compressedOffset();
    long declared = Zstd.getFrameContentSize(blob, off, c.compressedLength());
    if (declared != c.uncompressedLength()) {
      return null;
    }
    byte[] plain = new byte[c.uncompressedLength()];
    long n = Zstd.decompressByteArray(plain, 0, plain.length, blob, off, c.compressedLength());
    if (Zstd.isError(n) || n != plain.length) {
      return null;
    }
    return MessageDigest.isEqual(Digest.sha256(plain).raw(), c.digest().raw()) ? plain : null;
  }

  // ---- the image -------------------------------------------------------------------------------

  private static TestTar lowerTar() {
    Random random = new Random(15);
    TestTar tar = new TestTar().dir("usr").dir("usr/bin").dir("etc").dir("var").dir("var/lib");
    for (int i = 0; i < 12; i++) {
      byte[] content = new byte[random.nextInt(3000)];
      random.nextBytes(content);
      tar.file("usr/bin/tool" + i, content);
    }
    byte[] large = new byte[120_000]; // content-defined frames
    random.nextBytes(large);
    tar.file("usr/lib.so", large);
    tar.file("etc/passwd", "root:x:0:0::/root:/bin/sh\n".getBytes(StandardCharsets.UTF_8));
    tar.symlink("usr/bin/sh", "tool0");
    tar.hardlink("usr/bin/hard", "usr/bin/tool1");
    tar.add(new TarEntry("var/lib/x", EntryType.FILE, 0600, 1000, 1000, 5, 1_700_000_000L, 123, null, 0, 0,
        Map.of("user.note", new byte[] {1, 2, 3})), new byte[] {1, 2, 3, 4, 5});
    tar.add(new TarEntry("var/null", EntryType.CHAR_DEVICE, 0666, 0, 0, 0, 0, 0, null, 1, 3, Map.of()), new byte[0]);
    return tar;
  }

  private static TestTar upperTar() {
    return new TestTar()
        .file("usr/bin/.wh.tool2", new byte[0])
        .file("var/lib/.wh..wh..opq", new byte[0])
        .dir("usr")
        .file("usr/bin/tool3", "replaced\n".getBytes(StandardCharsets.UTF_8))
        .hardlink("app-link", "usr/lib.so")
        .dir("app")
        .file("app/main.py", "print('hi')\n".repeat(300).getBytes(StandardCharsets.UTF_8));
  }

  private static RealLayer layer(TestTar tar) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      EncodedLayer encoded = tar.encode(OPTIONS, out);
      byte[] blob = out.toByteArray();
      byte[] frame = Arrays.copyOfRange(blob, (int) encoded.toc().offset(), blob.length);
      LayerToc toc = LayerToc.read(frame, encoded.descriptor(), encoded.toc(), IndexBudget.unlimited());
      return new RealLayer(encoded.digest(), blob, encoded.toc().offset(), tar.bytes(), RawToc.of(toc));
    } catch (FormatException e) {
      throw new AssertionError(e);
    }
  }

  // ---- mutations -------------------------------------------------------------------------------

  /** A mutation of the TOC of layer {@code layer}. */
  record Targeted(int layer, Mutation mutation) {}

  sealed interface Mutation {
    void apply(RawToc toc);

    /** Whether the frame table changes, so that tar coordinates may no longer be the true ones. */
    default boolean touchesFrames() {
      return false;
    }
  }

  record FrameLength(int frame, boolean compressed, long value, boolean relative) implements Mutation {
    @Override
    public void apply(RawToc t) {
      if (t.frames.isEmpty()) {
        return;
      }
      long[] f = t.frames.get(Math.floorMod(frame, t.frames.size()));
      int i = compressed ? 0 : 1;
      f[i] = relative ? f[i] + value : value;
    }

    @Override
    public boolean touchesFrames() {
      return true;
    }
  }

  record SwapDigests(int a, int b) implements Mutation {
    @Override
    public void apply(RawToc t) {
      if (!t.frames.isEmpty()) {
        java.util.Collections.swap(t.digests, Math.floorMod(a, t.digests.size()), Math.floorMod(b, t.digests.size()));
      }
    }

    @Override
    public boolean touchesFrames() {
      return true;
    }
  }

  record AddFrames(int count, long compressed, long uncompressed) implements Mutation {
    @Override
    public void apply(RawToc t) {
      for (int i = 0; i < count; i++) {
        t.frames.add(new long[] {compressed, uncompressed});
        t.digests.add(new byte[32]);
      }
    }

    @Override
    public boolean touchesFrames() {
      return true;
    }
  }

  enum Claim { FRAME_COUNT, ENTRY_COUNT, BODY_LENGTH }

  record ClaimCount(Claim what, long value) implements Mutation {
    @Override
    public void apply(RawToc t) {
      switch (what) {
        case FRAME_COUNT -> t.frameCountClaim = value;
        case ENTRY_COUNT -> t.entryCountClaim = value;
        case BODY_LENGTH -> t.bodyLengthClaim = value;
      }
    }

    @Override
    public boolean touchesFrames() {
      return what == Claim.FRAME_COUNT;
    }
  }

  enum Field { TYPE, MODE, UID, SIZE, DATA_OFFSET, NANOS, SHARED, DEVICE, MTIME }

  record EntryField(int entry, Field field, long value, boolean relative) implements Mutation {
    @Override
    public void apply(RawToc t) {
      if (t.entries.isEmpty()) {
        return;
      }
      RawEntry e = t.entries.get(Math.floorMod(entry, t.entries.size()));
      switch (field) {
        case TYPE -> e.type = Math.floorMod(value, 12);
        case MODE -> e.mode = relative ? e.mode + value : value;
        case UID -> e.uid = relative ? e.uid + value : value;
        case SIZE -> e.size = relative ? e.size + value : value;
        case DATA_OFFSET -> e.dataOffset = relative ? e.dataOffset + value : value;
        case NANOS -> e.nanos = value;
        case SHARED -> e.sharedOverride = value;
        case DEVICE -> e.major = value;
        case MTIME -> e.mtime = value;
      }
    }
  }

  enum Name { PATH, LINK }

  record SetName(int entry, Name which, byte[] name) implements Mutation {
    @Override
    public void apply(RawToc t) {
      if (t.entries.isEmpty()) {
        return;
      }
      RawEntry e = t.entries.get(Math.floorMod(entry, t.entries.size()));
      if (which == Name.PATH) {
        e.path = name;
      } else {
        e.link = name;
      }
    }

    @Override
    public String toString() {
      return "SetName[" + entry + ", " + which + ", " + new String(name, StandardCharsets.ISO_8859_1).replace("\0", "\\0")
          + " (" + name.length + " bytes)]";
    }
  }

  /** The entry moved under {@code depth} nested directories (the path grows by 2 bytes a level). */
  record Nest(int entry, int depth) implements Mutation {
    @Override
    public void apply(RawToc t) {
      if (t.entries.isEmpty()) {
        return;
      }
      RawEntry e = t.entries.get(Math.floorMod(entry, t.entries.size()));
      e.path = ("n/".repeat(depth) + new String(e.path, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
    }
  }

  record Xattr(int entry, int nameLength, int valueLength, int count) implements Mutation {
    @Override
    public void apply(RawToc t) {
      if (t.entries.isEmpty()) {
        return;
      }
      RawEntry e = t.entries.get(Math.floorMod(entry, t.entries.size()));
      for (int i = 0; i < count && t.bodyBytesAtMost() + nameLength + valueLength + 40 <= MAX_BODY_BYTES; i++) {
        byte[] name = ("user." + i + "x".repeat(nameLength)).getBytes(StandardCharsets.US_ASCII);
        e.xattrs.add(new byte[][] {name, new byte[valueLength]});
      }
    }
  }

  /** Entries moved (a hardlink before its target, a child before its directory) or copied. */
  record Reorder(int from, int to, int copies) implements Mutation {
    @Override
    public void apply(RawToc t) {
      if (t.entries.isEmpty()) {
        return;
      }
      RawEntry e = t.entries.remove(Math.floorMod(from, t.entries.size()));
      int at = Math.floorMod(to, t.entries.size() + 1);
      t.entries.add(at, e);
      // copies of an entry an Xattr mutation made large would outgrow the heap: as many as the body's bound allows
      long room = Math.max(0, MAX_BODY_BYTES - t.bodyBytesAtMost());
      long fit = Math.min(copies, room / e.bytesAtMost());
      for (int i = 0; i < fit; i++) {
        t.entries.add(at, e.copy());
      }
    }
  }

  /** Zero bytes appended to the body: a TOC that inflates to far more than its image needs. */
  record Pad(int bytes) implements Mutation {
    @Override
    public void apply(RawToc t) {
      long room = Math.max(0, MAX_BODY_BYTES - t.bodyBytesAtMost());
      t.padding += (int) Math.min(bytes, room);
    }
  }

  /**
   * What the mutations that grow the body (Pad, Reorder's copies, Xattr) may make it, together:
   * past the 16 MiB frame limit, yet small enough that building the mutated TOC (the test's own
   * buffers) fits the 160 MiB heap the property runs in, whatever the mutations and their order.
   */
  static final long MAX_BODY_BYTES = 24 << 20;

  record Truncate(int bytes) implements Mutation {
    @Override
    public void apply(RawToc t) {
      t.truncate += bytes;
    }
  }

  @Provide
  Arbitrary<List<Targeted>> mutations() {
    Arbitrary<Long> odd = Arbitraries.of(0L, 1L, 9L, 10L, 511L, 512L, 4096L, 65_535L, 1L << 24, (1L << 24) + 1,
        (long) Integer.MAX_VALUE, 1L << 32, Long.MAX_VALUE, -1L);
    Arbitrary<Long> small = Arbitraries.longs().between(-4, 4);
    Arbitrary<Long> any = Arbitraries.oneOf(odd, small, Arbitraries.longs().between(0, 1 << 20));
    Arbitrary<Integer> index = Arbitraries.integers().between(0, 40);
    Arbitrary<byte[]> names = Arbitraries.oneOf(
        Arbitraries.of("..", "a/../b", "/abs", "a//b", "a/./b", ".", "", "usr/bin/tool1", "etc/passwd/x", "usr/bin/.wh.tool1",
            "var/.wh..wh..opq", ".wh.", "usr/bin/sh", "app-link", "missing/target").map(s -> s.getBytes(StandardCharsets.UTF_8)),
        Arbitraries.of(new byte[] {'a', 0, 'b'}, new byte[] {'a', (byte) 0xC3}, new byte[] {(byte) 0xFF}),
        Arbitraries.integers().between(250, 4200).map(n -> "n".repeat(n).getBytes(StandardCharsets.US_ASCII)),
        Arbitraries.strings().withChars("ab/.\0\u00e9").ofMaxLength(12).map(s -> s.getBytes(StandardCharsets.UTF_8)));
    Arbitrary<Mutation> mutation = Arbitraries.oneOf(
        Combinators.combine(index, Arbitraries.of(true, false), Arbitraries.oneOf(odd, small), Arbitraries.of(true, false))
            .as(FrameLength::new),
        Combinators.combine(index, index).as(SwapDigests::new),
        Combinators.combine(Arbitraries.integers().between(1, 3), any, any).as(AddFrames::new),
        Combinators.combine(Arbitraries.of(Claim.class), Arbitraries.oneOf(odd, Arbitraries.longs().between(0, 100_000)))
            .as(ClaimCount::new),
        Combinators.combine(index, Arbitraries.of(Field.class), any, Arbitraries.of(true, false)).as(EntryField::new),
        Combinators.combine(index, Arbitraries.of(Name.class), names).as(SetName::new),
        Combinators.combine(index, Arbitraries.integers().between(1, 2100)).as(Nest::new),
        Combinators.combine(index, Arbitraries.of(1, 254, 255, 256), Arbitraries.of(0, 65_536, 65_537),
            Arbitraries.integers().between(1, 3)).as(Xattr::new),
        Combinators.combine(index, index, Arbitraries.oneOf(Arbitraries.integers().between(0, 2),
            Arbitraries.of(5_000, 60_000))).as(Reorder::new),
        Arbitraries.oneOf(Arbitraries.integers().between(1, 64), Arbitraries.of(1 << 20, 24 << 20)).map(Pad::new),
        Arbitraries.integers().between(1, 40).map(Truncate::new));
    Arbitrary<Targeted> targeted = Combinators.combine(Arbitraries.integers().between(0, IMAGE.size() - 1), mutation)
        .as(Targeted::new);
    return targeted.list().ofMinSize(1).ofMaxSize(4);
  }

  // ---- a TOC as a hostile author writes it --------------------------------------------------------

  /** One entry's fields, with nothing checked. */
  static final class RawEntry {
    int type;
    byte[] path;
    long sharedOverride = -1;
    long mode;
    long uid;
    long gid;
    long mtime;
    long nanos;
    long size;
    long dataOffset;
    byte[] link;
    long major;
    long minor;
    List<byte[][]> xattrs = new ArrayList<>();

    RawEntry copy() {
      RawEntry c = new RawEntry();
      c.type = type;
      c.path = path;
      c.sharedOverride = sharedOverride;
      c.mode = mode;
      c.uid = uid;
      c.gid = gid;
      c.mtime = mtime;
      c.nanos = nanos;
      c.size = size;
      c.dataOffset = dataOffset;
      c.link = link;
      c.major = major;
      c.minor = minor;
      c.xattrs = new ArrayList<>(xattrs);
      return c;
    }

    /** An upper bound of what {@link RawToc#toSkippableFrame()} writes for this entry (a varint takes at most 10 bytes). */
    long bytesAtMost() {
      long n = 1 + 12 * 10 + path.length + (link == null ? 0 : 10 + link.length) + 10;
      for (byte[][] x : xattrs) {
        n += 20 + x[0].length + x[1].length;
      }
      return n;
    }
  }

  /**
   * A TOC's fields as plain lists, written back with the body layout of docs/FORMAT.md 3.1 but none
   * of {@link TocWriter}'s checks, so any value can be written.
   */
  static final class RawToc {
    final List<long[]> frames = new ArrayList<>();
    final List<byte[]> digests = new ArrayList<>();
    final List<RawEntry> entries = new ArrayList<>();
    long frameCountClaim = -1;
    long entryCountClaim = -1;
    long bodyLengthClaim = -1;
    int padding;
    int truncate;

    static RawToc of(LayerToc toc) {
      RawToc t = new RawToc();
      FrameTable f = toc.frames();
      for (int i = 0; i < f.size(); i++) {
        t.frames.add(new long[] {f.compressedLength(i), f.uncompressedLength(i)});
        t.digests.add(f.digest(i).raw());
      }
      for (int i = 0; i < toc.entryCount(); i++) {
        RawEntry e = new RawEntry();
        e.type = toc.type(i).code();
        e.path = toc.pathBytes(i);
        e.mode = toc.mode(i);
        e.uid = toc.uid(i);
        e.gid = toc.gid(i);
        e.mtime = toc.mtimeSeconds(i);
        e.nanos = toc.mtimeNanos(i);
        e.size = toc.size(i);
        e.dataOffset = toc.dataOffset(i);
        e.link = toc.linkBytes(i);
        e.major = toc.devMajor(i);
        e.minor = toc.devMinor(i);
        toc.xattrs(i).forEach((k, v) -> e.xattrs.add(new byte[][] {k.getBytes(StandardCharsets.UTF_8), v}));
        t.entries.add(e);
      }
      return t;
    }

    RawToc copy() {
      RawToc c = new RawToc();
      frames.forEach(f -> c.frames.add(f.clone()));
      c.digests.addAll(digests);
      entries.forEach(e -> c.entries.add(e.copy()));
      return c;
    }

    /** An upper bound of the body {@link #toSkippableFrame()} writes. */
    long bodyBytesAtMost() {
      long n = 20 + frames.size() * 52L + padding;
      for (RawEntry e : entries) {
        n += e.bytesAtMost();
      }
      return n;
    }

    byte[] toSkippableFrame() {
      VarintWriter body = new VarintWriter();
      body.varint(frameCountClaim >= 0 ? frameCountClaim : frames.size());
      frames.forEach(f -> body.varint(f[0]));
      frames.forEach(f -> body.varint(f[1]));
      digests.forEach(body::bytes);
      body.varint(entryCountClaim >= 0 ? entryCountClaim : entries.size());
      byte[] previous = new byte[0];
      long previousMtime = 0;
      long previousEnd = 0;
      for (RawEntry e : entries) {
        body.u8(e.type);
        int shared = Arrays.mismatch(previous, e.path);
        shared = shared < 0 ? previous.length : shared;
        body.varint(e.sharedOverride >= 0 ? e.sharedOverride : shared);
        body.varint(e.path.length - shared);
        body.bytes(e.path, shared, e.path.length - shared);
        body.varint(e.mode);
        body.varint(e.uid);
        body.varint(e.gid);
        body.signedVarint(e.mtime - previousMtime);
        body.varint(e.nanos);
        EntryType type = EntryType.ofCode(e.type);
        if (type == EntryType.FILE) {
          body.varint(e.size);
          body.varint(e.dataOffset - previousEnd);
          previousEnd = e.dataOffset + e.size;
        } else if (type == EntryType.SYMLINK || type == EntryType.HARDLINK) {
          body.lengthPrefixed(e.link == null ? new byte[0] : e.link);
        } else if (type == EntryType.CHAR_DEVICE || type == EntryType.BLOCK_DEVICE) {
          body.varint(e.major);
          body.varint(e.minor);
        }
        body.varint(e.xattrs.size());
        for (byte[][] x : e.xattrs) {
          body.lengthPrefixed(x[0]);
          body.lengthPrefixed(x[1]);
        }
        previous = e.path;
        previousMtime = e.mtime;
      }
      byte[] zeros = new byte[64 << 10];
      for (int left = padding; left > 0; left -= zeros.length) {
        body.bytes(zeros, 0, Math.min(left, zeros.length));
      }
      byte[] all = body.array();
      byte[] plain = truncate == 0 ? all : Arrays.copyOf(all, Math.max(0, all.length - truncate));
      byte[] z = Zstd.compress(plain, 1);
      byte[] out = new byte[TocLayout.HEADER_BYTES + z.length];
      TocLayout.putIntLE(out, 0, TocLayout.SKIPPABLE_MAGIC);
      TocLayout.putIntLE(out, 4, out.length - 8);
      TocLayout.putIntLE(out, 8, TocLayout.TOC_MAGIC);
      out[12] = TocLayout.VERSION;
      TocLayout.putIntLE(out, 16, bodyLengthClaim >= 0 ? (int) bodyLengthClaim : plain.length);
      System.arraycopy(z, 0, out, TocLayout.HEADER_BYTES, z.length);
      return out;
    }
  }
}
