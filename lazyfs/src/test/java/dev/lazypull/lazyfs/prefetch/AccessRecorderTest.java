package dev.lazypull.lazyfs.prefetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.format.toc.LayerToc;
import dev.lazypull.format.toc.PrefetchList;
import dev.lazypull.format.toc.TocWriter;
import dev.lazypull.oci.Digest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AccessRecorderTest {
  /** Two layers of 4 KiB frames: layer 0 holds file "a" (frames 0-3), layer 1 file "b" (frames 0-3). */
  private static MergedIndex index() throws Exception {
    List<LayerToc> tocs = new ArrayList<>();
    for (String name : List.of("a", "b")) {
      TocWriter w = new TocWriter();
      for (int i = 0; i < 4; i++) {
        w.addFrame(100, 4096, Digest.sha256((name + i).getBytes()).raw());
      }
      w.addEntry(TarEntry.of(name, EntryType.FILE, 0644, 4 * 4096 - 1024), 512);
      byte[] frame = w.toSkippableFrame(3);
      tocs.add(LayerToc.read(frame, Digest.sha256(frame), Digest.sha256(name.getBytes())));
    }
    return MergedIndex.of(tocs);
  }

  private static void read(AccessRecorder r, MergedIndex index, String path, long offset, int length) {
    long ino = index.lookupPath(path);
    r.read(ino, index.chunks(ino, offset, length));
  }

  @Test
  void filesInFirstReadOrderAndEachFilesChunksByOffset() throws Exception {
    MergedIndex index = index();
    AccessRecorder r = new AccessRecorder(index);
    read(r, index, "b", 9000, 100); // b's frame 2 first
    read(r, index, "a", 0, 10);     // a's frame 0
    read(r, index, "b", 0, 100);    // b's frame 0, after its frame 2
    read(r, index, "a", 0, 10);     // again: nothing new
    PrefetchList list = r.list();
    assertThat(list).isEqualTo(PrefetchList.of(new int[] {1, 1, 0}, new int[] {0, 2, 0}));
    assertThat(r.filesRead()).isEqualTo(2);
  }

  @Test
  void theSameReadsInAnotherOrderWithinEachFileGiveTheSameList() throws Exception {
    MergedIndex index = index();
    List<long[]> reads = new ArrayList<>(); // (file 0/1, offset) as the kernel may reorder them per file
    for (int i = 0; i < 4; i++) {
      reads.add(new long[] {0, i * 4096L});
      reads.add(new long[] {1, i * 4096L});
    }
    PrefetchList first = null;
    Random random = new Random(7);
    for (int run = 0; run < 20; run++) {
      List<long[]> a = new ArrayList<>(reads.stream().filter(x -> x[0] == 0).toList());
      List<long[]> b = new ArrayList<>(reads.stream().filter(x -> x[0] == 1).toList());
      Collections.shuffle(a, random);
      Collections.shuffle(b, random);
      AccessRecorder r = new AccessRecorder(index);
      read(r, index, "a", a.getFirst()[1], 1); // a is opened first in every run
      for (int i = 0; i < 4; i++) {
        read(r, index, "b", b.get(i)[1], 1);
        read(r, index, "a", a.get(i)[1], 1);
      }
      PrefetchList list = r.list();
      if (first == null) {
        first = list;
      }
      assertThat(list).isEqualTo(first);
    }
    assertThat(first.size()).isEqualTo(8);
  }

  @Test
  void aReadOfNoChunkIsNoFileRead() throws Exception {
    MergedIndex index = index();
    AccessRecorder r = new AccessRecorder(index);
    r.read(index.lookupPath("a"), List.<ChunkLocation>of());
    assertThat(r.list().isEmpty()).isTrue();
  }
}
