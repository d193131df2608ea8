package dev.lazypull.fuse;

import java.nio.ByteBuffer;

/**
 * The answer channel of one READ. Exactly one of {@link #data} or {@link #error} takes effect;
 * later calls are ignored, so a read the kernel interrupted (its caller got a signal) may still be
 * completed harmlessly. Any thread may complete it, at any later time: no reader thread waits.
 */
public interface ReadReply {

  /**
   * Answers with the remaining bytes of {@code buffers}, in order, at most the requested size in
   * total; fewer bytes than requested means end of file. The bytes are written to the kernel before
   * this returns, so the caller owns the buffers again afterwards. Direct buffers are passed to the
   * kernel without a copy.
   */
  void data(ByteBuffer... buffers);

  /** Answers with an error. */
  void error(Errno errno);

  /** True once this read has been answered, or interrupted and answered with EINTR. */
  boolean isDone();
}
