package dev.lazypull.fuse.testfs;

import dev.lazypull.fuse.OpenResult;
import dev.lazypull.fuse.ReadReply;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** A memory file system whose reads wait in a queue until the test completes them, from its own thread. */
public final class DeferredReads extends MemoryFileSystem {

  /** A read handed to the file system and not answered yet. */
  public record Pending(long ino, long offset, int size, ReadReply reply) {
  }

  public final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();

  public DeferredReads() {
    super(0755, TestTree.T);
  }

  @Override
  public OpenResult open(long ino, int flags) {
    return OpenResult.direct(ino); // every read reaches the file system
  }

  @Override
  public void read(long ino, long fh, long offset, int size, ReadReply reply) {
    reads.incrementAndGet();
    pending.add(new Pending(ino, offset, size, reply));
  }

  /** Answers {@code p} with the file's real bytes. */
  public void complete(Pending p) {
    ByteBuffer buf = ByteBuffer.allocate(p.size());
    MemoryFileSystem.Node n = node(p.ino());
    int len = (int) Math.max(0, Math.min(p.size(), n.content.size() - p.offset()));
    n.content.read(p.offset(), buf.limit(len));
    p.reply().data(buf.flip());
  }
}
