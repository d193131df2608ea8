package dev.lazypull.fuse.wire;

import java.nio.ByteBuffer;

/**
 * struct fuse_init_in: what the kernel offers. {@code flags} joins flags and flags2.
 */
public record InitIn(int major, int minor, int maxReadahead, long flags) {

  /** Decodes the body at the buffer's position (48 bytes before 7.36, 64 after). */
  public static InitIn decode(ByteBuffer body) {
    if (body.remaining() < 16) {
      throw new MalformedRequestException("INIT body of " + body.remaining() + " bytes, need 16");
    }
    int p = body.position();
    int major = body.getInt(p);
    int minor = body.getInt(p + 4);
    int readahead = body.getInt(p + 8);
    long flags = Integer.toUnsignedLong(body.getInt(p + 12));
    if ((flags & InitFlags.INIT_EXT) != 0 && body.remaining() >= 20) {
      flags |= Integer.toUnsignedLong(body.getInt(p + 16)) << 32;
    }
    return new InitIn(major, minor, readahead, flags);
  }
}
