package dev.lazypull.agent.snapshots;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Changes snapshots as fast as it can until killed ({@code ROOT SEED}): what containerd's unpacker
 * and GC do, without containerd. {@link CrashRecoveryIT} kills it with SIGKILL at random moments.
 */
public final class SnapshotChurn {
  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
    try (OverlaySnapshotter s = OverlaySnapshotter.open(root, new RecordingMounter(), new SimpleMeterRegistry())) {
      List<String> committed = new ArrayList<>();
      for (Snapshot existing : s.list()) {
        if (existing.kind() == Kind.COMMITTED) {
          committed.add(existing.key());
        }
      }
      System.out.println("CHURNING");
      System.out.flush();
      for (long n = 0; ; n++) {
        String parent = committed.isEmpty() || random.nextInt(4) == 0 ? "" : committed.get(random.nextInt(committed.size()));
        String key = "churn/" + args[1] + "/" + n;
        List<MountSpec> mounts = s.prepare(key + " active", parent, Map.of("n", Long.toString(n)));
        Path fs = Path.of(mounts.getFirst().type().equals("bind") ? mounts.getFirst().source()
            : mounts.getFirst().options().stream().filter(o -> o.startsWith("upperdir=")).findFirst().orElseThrow().substring(9));
        Files.writeString(fs.resolve("file-" + n), "layer " + n); // what an unpack writes
        if (random.nextInt(3) > 0) {
          s.commit(key, key + " active", Map.of());
          committed.add(key);
        }
        if (committed.size() > 20) {
          // remove a leaf, as containerd's GC does (children first)
          for (int i = committed.size() - 1; i >= 0; i--) {
            try {
              s.remove(committed.get(i));
              committed.remove(i);
              break;
            } catch (SnapshotException hasChildren) {
              // try the next
            }
          }
        }
      }
    }
  }

  private SnapshotChurn() {}
}
