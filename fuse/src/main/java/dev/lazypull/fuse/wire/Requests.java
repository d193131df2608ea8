package dev.lazypull.fuse.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Decoders for request bodies: fixed structs by field offset, names as NUL-terminated strings. */
public final class Requests {
  /** struct fuse_read_in: also the body of READDIR and READDIRPLUS. */
  public record ReadIn(long fh, long offset, int size, int flags) {
    public static final int SIZE = 40;
  }

  /** struct fuse_forget_one */
  public record Forget(long nodeid, long nlookup) {
  }

  private Requests() {
  }

  public static ReadIn readIn(ByteBuffer body) {
    need(body, ReadIn.SIZE, "fuse_read_in");
    int p = body.position();
    return new ReadIn(body.getLong(p), body.getLong(p + 8), body.getInt(p + 16), body.getInt(p + 32));
  }

  /** The fh of struct fuse_release_in (24 bytes) and of struct fuse_flush_in. */
  public static long fh(ByteBuffer body) {
    need(body, 8, "fh");
    return body.getLong(body.position());
  }

  /** The first 32-bit word: open_in.flags, getxattr_in.size, access_in.mask. */
  public static int firstInt(ByteBuffer body, String struct) {
    need(body, 8, struct);
    return body.getInt(body.position());
  }

  /** struct fuse_forget_in / fuse_interrupt_in: one 64-bit word. */
  public static long firstLong(ByteBuffer body, String struct) {
    need(body, 8, struct);
    return body.getLong(body.position());
  }

  /** struct fuse_batch_forget_in and the fuse_forget_one array after it. */
  public static Forget[] batchForget(ByteBuffer body) {
    need(body, 8, "fuse_batch_forget_in");
    int p = body.position();
    long count = Integer.toUnsignedLong(body.getInt(p));
    if (count * 16 > body.remaining() - 8) {
      throw new MalformedRequestException("BATCH_FORGET of " + count + " entries in " + body.remaining() + " bytes");
    }
    Forget[] forgets = new Forget[(int) count];
    for (int i = 0; i < count; i++) {
      int at = p + 8 + i * 16;
      forgets[i] = new Forget(body.getLong(at), body.getLong(at + 8));
    }
    return forgets;
  }

  /** A NUL-terminated name starting {@code skip} bytes into the body. */
  public static String name(ByteBuffer body, int skip) {
    int start = body.position() + skip;
    int end = start;
    while (end < body.limit() && body.get(end) != 0) {
      end++;
    }
    if (end >= body.limit()) {
      throw new MalformedRequestException("name without terminating NUL");
    }
    if (end == start) {
      throw new MalformedRequestException("empty name");
    }
    byte[] bytes = new byte[end - start];
    body.get(start, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static void need(ByteBuffer body, int size, String struct) {
    if (body.remaining() < size) {
      throw new MalformedRequestException(struct + " needs " + size + " bytes, got " + body.remaining());
    }
  }
}
