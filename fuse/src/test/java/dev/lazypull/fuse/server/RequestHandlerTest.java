package dev.lazypull.fuse.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.fuse.Attr;
import dev.lazypull.fuse.MountOptions;
import dev.lazypull.fuse.sys.DeviceChannel;
import dev.lazypull.fuse.sys.LibC;
import dev.lazypull.fuse.testfs.Content;
import dev.lazypull.fuse.testfs.MemoryFileSystem;
import dev.lazypull.fuse.testfs.TestTree;
import dev.lazypull.fuse.wire.Opcode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests no well-behaved kernel sends, answered with an errno and never ending the loop. The
 * "device" is a plain file: the replies the handler writes are read back from it.
 */
class RequestHandlerTest {
  private Path replies;
  private DeviceChannel device;
  private RequestHandler handler;
  private final ByteBuffer out = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
  private long readAt;

  @BeforeEach
  void setUp() throws IOException {
    replies = Files.createTempFile("fuse-replies-", ".bin");
    device = DeviceChannel.of(LibC.open(replies.toString(), LibC.O_RDWR | LibC.O_CLOEXEC));
    MemoryFileSystem fs = new MemoryFileSystem(0755, TestTree.T) {
      @Override
      public Attr getattr(long ino) {
        if (ino == 99) {
          throw new IllegalStateException("a bug in the file system");
        }
        return super.getattr(ino);
      }
    };
    MemoryFileSystem.Node f = fs.file(fs.root(), "f", 0644, 0, 0, TestTree.T, 0, Content.of(new byte[3]));
    fs.xattr(f, "three", new byte[] {1, 2, 3});
    handler = new RequestHandler(device, fs, MountOptions.defaults());
  }

  @AfterEach
  void tearDown() throws IOException {
    device.close();
    Files.delete(replies);
  }

  private static ByteBuffer request(int opcode, long unique, long nodeid, byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(40 + body.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(40 + body.length).putInt(opcode).putLong(unique).putLong(nodeid).putInt(0).putInt(0).putInt(1)
        .putInt(0).put(body);
    return b.flip();
  }

  private void send(ByteBuffer request) {
    handler.handle(request, request.remaining(), out);
  }

  /** The next reply: {unique, error, body length}. */
  private long[] nextReply() throws IOException {
    ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(replies)).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(all.remaining()).as("a reply was written").isGreaterThan((int) readAt);
    int len = all.getInt((int) readAt);
    int error = all.getInt((int) readAt + 4);
    long unique = all.getLong((int) readAt + 8);
    readAt += len;
    return new long[] {unique, error, len - 16};
  }

  private void assertNoMoreReplies() throws IOException {
    assertThat(Files.size(replies)).isEqualTo(readAt);
  }

  @Test
  void truncatedAndInconsistentHeadersAreAnsweredWithEio() throws IOException {
    ByteBuffer r = request(Opcode.GETATTR, 7, 1, new byte[16]);
    handler.handle(r, 30, out);
    assertThat(nextReply()).containsExactly(7, -5, 0);
    r = request(Opcode.GETATTR, 8, 1, new byte[16]);
    r.putInt(0, 1000);
    send(r);
    assertThat(nextReply()).containsExactly(8, -5, 0);
  }

  @Test
  void unknownOpcodesAreEnosysAndWritesErofs() throws IOException {
    send(request(9999, 1, 1, new byte[0]));
    assertThat(nextReply()).containsExactly(1, -38, 0);
    for (int op : new int[] {Opcode.MKDIR, Opcode.WRITE, Opcode.SETATTR, Opcode.CREATE, Opcode.UNLINK,
        Opcode.SETXATTR, Opcode.REMOVEXATTR, Opcode.RENAME2, Opcode.FALLOCATE, Opcode.COPY_FILE_RANGE}) {
      send(request(op, op, 1, new byte[64]));
      assertThat(nextReply()).containsExactly(op, -30, 0);
    }
  }

  @Test
  void badBodiesAreEioAndForgetsAreNeverAnswered() throws IOException {
    send(request(Opcode.LOOKUP, 2, 1, new byte[] {'a', 'b'})); // no NUL
    assertThat(nextReply()).containsExactly(2, -5, 0);
    send(request(Opcode.READ, 3, 2, new byte[8])); // short fuse_read_in
    assertThat(nextReply()).containsExactly(3, -5, 0);
    send(request(Opcode.FORGET, 4, 2, new byte[2]));
    send(request(Opcode.BATCH_FORGET, 5, 0, new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0}));
    send(request(Opcode.INTERRUPT, 6, 0, new byte[8])); // of nothing pending
    assertNoMoreReplies();
  }

  @Test
  void fileSystemFailuresBecomeErrnos() throws IOException {
    send(request(Opcode.GETATTR, 10, 99, new byte[16]));
    assertThat(nextReply()).containsExactly(10, -5, 0);
    send(request(Opcode.GETATTR, 11, 12345, new byte[16])); // unknown inode: the file system's ESTALE
    assertThat(nextReply()).containsExactly(11, -116, 0);
    send(request(Opcode.GETATTR, 12, 2, new byte[16]));
    assertThat(nextReply()).containsExactly(12, 0, 104);
  }

  @Test
  void getxattrSizeSemantics() throws IOException {
    send(request(Opcode.GETXATTR, 20, 2, xattrBody(0, "user.three")));
    long[] r = nextReply();
    assertThat(r).containsExactly(20, 0, 8); // fuse_getxattr_out with the size
    send(request(Opcode.GETXATTR, 21, 2, xattrBody(2, "user.three")));
    assertThat(nextReply()).containsExactly(21, -34, 0);
    send(request(Opcode.GETXATTR, 22, 2, xattrBody(3, "user.three")));
    assertThat(nextReply()).containsExactly(22, 0, 3);
    send(request(Opcode.GETXATTR, 23, 2, xattrBody(3, "user.none")));
    assertThat(nextReply()).containsExactly(23, -61, 0);
    send(request(Opcode.LISTXATTR, 24, 2, xattrBody(0, "")));
    assertThat(nextReply()).containsExactly(24, 0, 8);
    send(request(Opcode.LISTXATTR, 25, 2, xattrBody(5, "")));
    assertThat(nextReply()).containsExactly(25, -34, 0);
  }

  private static byte[] xattrBody(int size, String name) {
    byte[] n = name.getBytes();
    ByteBuffer b = ByteBuffer.allocate(8 + n.length + 1).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(size).putInt(0).put(n).put((byte) 0);
    return b.array();
  }
}
