import dev.lazypull.oci.Digest;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.nio.file.*;
import java.util.HexFormat;
import java.util.Random;

/** Time ChunkCache.open takes on a cache directory of N chunk files (what a mount waited for). */
public class OpenTime {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    Path chunks = dir.resolve("chunks/sha256");
    if (!Files.exists(chunks)) {
      Random r = new Random(1);
      byte[] b = new byte[1024];
      for (int i = 0; i < n; i++) {
        r.nextBytes(b);
        String hex = Digest.sha256(b).hex();
        Path p = chunks.resolve(hex.substring(0, 2)).resolve(hex);
        Files.createDirectories(p.getParent());
        Files.write(p, b);
      }
    }
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      ChunkCache c = ChunkCache.open(64 << 20, dir, 1L << 40, new ReadStats());
      long t1 = System.nanoTime();
      if (args.length > 2) { c.disk().rebuilt().join(); System.out.printf("rebuilt in the background after %.1f ms, %d chunks, %d bytes%n", (System.nanoTime() - t0) / 1e6, c.disk().chunkCount(), c.disk().usedBytes()); }
      c.close();
      System.out.printf("open %.1f ms%n", (t1 - t0) / 1e6);
    }
  }
}
