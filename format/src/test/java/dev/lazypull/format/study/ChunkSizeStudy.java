package dev.lazypull.format.study;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.format.encode.LayerEncoder;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.format.testing.TarParts;
import dev.lazypull.format.testing.TarPart;
import dev.lazypull.format.toc.FrameTable;
import dev.lazypull.format.toc.LayerToc;
import dev.lazypull.format.toc.TocWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The measurement behind docs/decisions/0003-chunk-sizes.md: encodes an image's layer tars (lowest
 * first, comma-separated) with several framing settings and reports index size and the compressed bytes a start-up would fetch (every
 * frame overlapping every file a traced workload opened). Not a test; run by hand:
 *
 * <pre>
 * ./mvnw -q -pl format -am test-compile
 * java -Xmx6g -cp format/target/classes:format/target/test-classes:registry-client/target/classes:\
 *   $HOME/.m2/repository/com/github/luben/zstd-jni/1.5.7-6/zstd-jni-1.5.7-6.jar \
 *   dev.lazypull.format.study.ChunkSizeStudy rootfs.tar json=json.ranges big=big.ranges
 * </pre>
 */
public final class ChunkSizeStudy {
  record Setting(String name, int group, int min, int avg, int max) {
    EncoderOptions options() {
      return EncoderOptions.defaults().withGrouping(group, group).withChunkSizes(min, avg, max).withThreads(2);
    }
  }

  static final List<Setting> SETTINGS = List.of(
      new Setting("16K/16-64-256K", 16 << 10, 16 << 10, 64 << 10, 256 << 10),
      new Setting("32K/32-128-512K", 32 << 10, 32 << 10, 128 << 10, 512 << 10),
      new Setting("64K/64-256K-1M", 64 << 10, 64 << 10, 256 << 10, 1 << 20),
      new Setting("32K/64-256K-1M", 32 << 10, 64 << 10, 256 << 10, 1 << 20),
      new Setting("64K/128-512K-2M", 64 << 10, 128 << 10, 512 << 10, 2 << 20),
      new Setting("128K/128-512K-2M", 128 << 10, 128 << 10, 512 << 10, 2 << 20),
      new Setting("256K/256K-1M-4M", 256 << 10, 256 << 10, 1 << 20, 4 << 20));

  public static void main(String[] args) throws Exception {
    List<TarParts.Parsed> layers = new java.util.ArrayList<>();
    long tarBytes = 0;
    int entries = 0;
    for (String file : args[0].split(",")) {
      byte[] tar = Files.readAllBytes(Path.of(file));
      TarParts.Parsed parsed = TarParts.parse(tar);
      layers.add(parsed);
      tarBytes += tar.length;
      entries += parsed.parts().size();
    }
    Map<String, List<Range>> workloads = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      workloads.put(kv[0], Files.readAllLines(Path.of(kv[1])).stream().map(Range::parse).toList());
    }
    System.out.printf("%d layers: %d tar bytes, %d entries%n%n", layers.size(), tarBytes, entries);
    StringBuilder header = new StringBuilder(
        "| setting (group/min-avg-max) | frames | compressed | TOC bytes | TOC % of tar | B/entry | B/frame | encode MB/s |");
    for (String w : workloads.keySet()) {
      header.append(" ").append(w).append(": files, bytes read, frames, requests, fetched |");
    }
    System.out.println(header);
    for (Setting s : SETTINGS) {
      System.out.println(row(s, tarBytes, layers, workloads));
    }
  }

  /** Bytes [offset, offset+length) of a file a workload touched; a bare path means the whole file. */
  record Range(String path, long offset, long length) {
    static Range parse(String line) {
      String[] f = line.split("\t");
      String path = f[0].replaceFirst("^/", "");
      return f.length == 1 ? new Range(path, 0, Long.MAX_VALUE) : new Range(path, Long.parseLong(f[1]), Long.parseLong(f[2]));
    }
  }

  private static String row(Setting s, long tarBytes, List<TarParts.Parsed> layers, Map<String, List<Range>> workloads)
      throws IOException {
    List<LayerToc> tocs = new java.util.ArrayList<>();
    long t0 = System.nanoTime();
    long compressed = 0;
    long tocBytes = 0;
    long frameBytes = 0;
    int frameCount = 0;
    int entryCount = 0;
    for (TarParts.Parsed parsed : layers) {
      TailStream out = new TailStream(32 << 20);
      EncodedLayer layer;
      try (LayerEncoder encoder = new LayerEncoder(out, s.options())) {
        for (TarPart p : parsed.parts()) {
          encoder.addEntry(p.entry(), p.header(), new ByteArrayInputStream(p.data()), p.data().length);
        }
        encoder.finishTar(parsed.trailer());
        layer = encoder.finish();
      }
      LayerToc toc = LayerToc.read(out.tail(layer.toc().length()), layer.descriptor(), layer.toc(), IndexBudget.unlimited());
      tocs.add(toc);
      FrameTable frames = toc.frames();
      TocWriter framesOnly = new TocWriter();
      for (int i = 0; i < frames.size(); i++) {
        framesOnly.addFrame(frames.compressedLength(i), frames.uncompressedLength(i), frames.digest(i).raw());
      }
      frameBytes += framesOnly.toSkippableFrame(3).length;
      tocBytes += layer.toc().length();
      compressed += frames.compressedSize();
      frameCount += frames.size();
      entryCount += toc.entryCount();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    StringBuilder row = new StringBuilder(String.format("| %s | %d | %d | %d | %.3f%% | %.1f | %.1f | %.0f |",
        s.name(), frameCount, compressed, tocBytes, 100.0 * tocBytes / tarBytes,
        (tocBytes - frameBytes) / (double) entryCount, frameBytes / (double) frameCount, tarBytes / 1e6 / seconds));
    MergedIndex index = MergedIndex.of(tocs);
    Map<dev.lazypull.oci.Digest, Integer> layerIndex = new java.util.HashMap<>();
    for (int l = 0; l < tocs.size(); l++) {
      layerIndex.put(tocs.get(l).layer(), l);
    }
    for (List<Range> ranges : workloads.values()) {
      // frames as (layer << 32 | frame), so consecutive frames of one layer sort next to each other
      java.util.TreeSet<Long> touched = new java.util.TreeSet<>();
      Set<Long> files = new HashSet<>();
      long read = 0;
      long fetched = 0;
      for (Range r : ranges) {
        long ino = index.lookupPath(r.path());
        if (ino < 0 || index.type(ino) != EntryType.FILE || r.offset() >= index.size(ino)) {
          continue;
        }
        files.add(ino);
        int length = (int) Math.min(r.length(), index.size(ino) - r.offset());
        read += length;
        for (ChunkLocation c : index.chunks(ino, r.offset(), length)) {
          int l = layerIndex.get(c.layer());
          long key = (long) l << 32 | tocs.get(l).frames().frameAt(c.uncompressedOffset());
          if (touched.add(key)) {
            fetched += c.compressedLength();
          }
        }
      }
      int requests = 0;
      long previous = -2;
      for (long f : touched) {
        requests += f == previous + 1 ? 0 : 1;
        previous = f;
      }
      row.append(String.format(" %d, %.1f MB, %d, %d, %.1f MB |", files.size(), read / 1e6, touched.size(), requests,
          fetched / 1e6));
    }
    return row.toString();
  }

  /** Counts everything written and keeps only the last {@code capacity} bytes (where the TOC is). */
  static final class TailStream extends OutputStream {
    private final byte[] ring;
    private long written;

    TailStream(int capacity) {
      ring = new byte[capacity];
    }

    @Override
    public void write(int b) {
      ring[(int) (written++ % ring.length)] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      for (int i = 0; i < len; i++) {
        ring[(int) ((written + i) % ring.length)] = b[off + i];
      }
      written += len;
    }

    byte[] tail(int n) {
      byte[] out = new byte[n];
      for (int i = 0; i < n; i++) {
        out[i] = ring[(int) ((written - n + i) % ring.length)];
      }
      return out;
    }
  }

  private ChunkSizeStudy() {}

}
