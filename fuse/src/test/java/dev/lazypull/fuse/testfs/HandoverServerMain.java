package dev.lazypull.fuse.testfs;

import dev.lazypull.fuse.FuseMount;
import dev.lazypull.fuse.MountOptions;
import dev.lazypull.fuse.OpenResult;
import dev.lazypull.fuse.ReadReply;
import dev.lazypull.fuse.StaleSessionException;
import dev.lazypull.fuse.keep.DescriptorStore;
import dev.lazypull.fuse.keep.HolderClient;
import dev.lazypull.fuse.keep.KeptSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A server whose FUSE connection outlives it: serves {@link #FILES} files at args[0], keeping the
 * connection in the holder at args[1] under key args[2]; a successor started the same way resumes
 * it. Every read goes to the server (direct_io) and is answered after a short random delay from a
 * virtual thread, so a kill finds reads in flight. Says "ready mounted" or "ready resumed".
 */
public final class HandoverServerMain {
  public static final int FILES = 16;
  public static final int FILE_SIZE = 300_000;

  private HandoverServerMain() {
  }

  /** The same tree in every process: the same inode numbers for the same names. */
  public static MemoryFileSystem tree() {
    MemoryFileSystem fs = new MemoryFileSystem(0755, TestTree.T) {
      @Override
      public OpenResult open(long ino, int flags) {
        return OpenResult.direct(ino);
      }

      @Override
      public void read(long ino, long fh, long offset, int size, ReadReply reply) {
        Thread.ofVirtual().start(() -> {
          try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(3));
          } catch (InterruptedException e) {
            return;
          }
          super.read(ino, fh, offset, size, reply);
        });
      }
    };
    MemoryFileSystem.Node d = fs.dir(fs.root(), "data", 0755, 0, 0, TestTree.T, 0);
    for (int i = 0; i < FILES; i++) {
      fs.file(d, "f" + i, 0644, 0, 0, TestTree.T, 0, Content.of(TestTree.bytes(i, FILE_SIZE)));
    }
    return fs;
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    DescriptorStore store = new HolderClient(Path.of(args[1]));
    String key = args[2];
    // Zero timeouts: every lookup and getattr reaches the server, so the inode numbers must agree.
    MountOptions opts = MountOptions.defaults().withTimeouts(Duration.ZERO, Duration.ZERO, Duration.ZERO);
    MemoryFileSystem fs = tree();
    Map<String, KeptSessions.Kept> kept = KeptSessions.retrieve(store);
    KeptSessions.Kept mine = kept.remove(key);
    KeptSessions.closeAll(kept.values());
    String how = "mounted";
    if (mine != null) {
      try {
        FuseMount.resume(dir, fs, opts, mine.session(), mine.fd(), store);
        how = "resumed";
      } catch (StaleSessionException e) {
        System.out.println("stale: " + e.getMessage());
        FuseMount.unmountStale(dir);
        mine = null;
      }
    }
    if (mine == null) {
      FuseMount.mount(dir, fs, opts).keepIn(store, key);
    }
    System.out.println("ready " + how);
    System.out.flush();
    Thread.currentThread().join();
  }
}
