package dev.lazypull.fuse.wire;

import java.nio.ByteBuffer;

/** struct fuse_in_header (40 bytes), at the start of every request. */
public record InHeader(int len, int opcode, long unique, long nodeid, int uid, int gid, int pid, int totalExtlen) {
  public static final int SIZE = 40;

  /** Decodes the header of a request of {@code length} bytes read from the device. */
  public static InHeader decode(ByteBuffer request, int length) {
    if (length < SIZE) {
      throw new MalformedRequestException("request of " + length + " bytes is shorter than its header");
    }
    InHeader h = new InHeader(request.getInt(0), request.getInt(4), request.getLong(8), request.getLong(16),
        request.getInt(24), request.getInt(28), request.getInt(32), Short.toUnsignedInt(request.getShort(36)));
    if (h.len != length) {
      throw new MalformedRequestException("header says " + h.len + " bytes, read " + length);
    }
    return h;
  }
}
