package dev.lazypull.fuse.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.fuse.Attr;
import dev.lazypull.fuse.Entry;
import dev.lazypull.fuse.StatFs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Struct sizes and field offsets against include/uapi/linux/fuse.h (7.40). */
class StructsTest {
  private static final Attr ATTR = new Attr(0x0102030405060708L, 5L << 30, 11, 100, 1, 200, 2, 300, 3,
      0100644, 2, 1000, 1001, Attr.makedev(8, 1), 4096);

  private static ByteBuffer buffer() {
    return ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Test
  void attrIs88BytesInHeaderOrder() {
    ByteBuffer b = buffer();
    Structs.putAttr(b, ATTR);
    assertThat(b.position()).isEqualTo(88);
    assertThat(b.getLong(0)).isEqualTo(ATTR.ino());
    assertThat(b.getLong(8)).isEqualTo(5L << 30);
    assertThat(b.getLong(16)).isEqualTo(11);
    assertThat(b.getLong(24)).isEqualTo(100); // atime
    assertThat(b.getLong(32)).isEqualTo(200); // mtime
    assertThat(b.getLong(40)).isEqualTo(300); // ctime
    assertThat(b.getInt(48)).isEqualTo(1); // atimensec
    assertThat(b.getInt(52)).isEqualTo(2);
    assertThat(b.getInt(56)).isEqualTo(3);
    assertThat(b.getInt(60)).isEqualTo(0100644); // mode
    assertThat(b.getInt(64)).isEqualTo(2); // nlink
    assertThat(b.getInt(68)).isEqualTo(1000); // uid
    assertThat(b.getInt(72)).isEqualTo(1001); // gid
    assertThat(b.getInt(76)).isEqualTo(0x801); // rdev
    assertThat(b.getInt(80)).isEqualTo(4096); // blksize
    assertThat(b.getInt(84)).isZero(); // flags
  }

  @Test
  void entryOutIs128BytesWithTimeoutsBeforeTheAttr() {
    ByteBuffer b = buffer();
    Structs.putEntryOut(b, new Entry(7, ATTR), Duration.ofSeconds(3, 500), Duration.ofSeconds(4, 600));
    assertThat(b.position()).isEqualTo(128).isEqualTo(Structs.ENTRY_OUT_SIZE);
    assertThat(b.getLong(0)).isEqualTo(ATTR.ino());
    assertThat(b.getLong(8)).isEqualTo(7);
    assertThat(b.getLong(16)).isEqualTo(3);
    assertThat(b.getLong(24)).isEqualTo(4);
    assertThat(b.getInt(32)).isEqualTo(500);
    assertThat(b.getInt(36)).isEqualTo(600);
    assertThat(b.getLong(40)).isEqualTo(ATTR.ino());
  }

  @Test
  void negativeEntryHasNodeZeroAndOnlyAnEntryTimeout() {
    ByteBuffer b = buffer();
    Structs.putEntryOut(b, null, Duration.ofSeconds(9), Duration.ofSeconds(4));
    assertThat(b.position()).isEqualTo(128);
    assertThat(b.getLong(0)).isZero();
    assertThat(b.getLong(16)).isEqualTo(9);
    assertThat(b.getLong(24)).isZero();
  }

  @Test
  void attrOutOpenOutStatfsAndInitOutSizes() {
    ByteBuffer b = buffer();
    Structs.putAttrOut(b, ATTR, Duration.ofSeconds(1));
    assertThat(b.position()).isEqualTo(104);
    assertThat(b.getLong(16)).isEqualTo(ATTR.ino());

    b = buffer();
    Structs.putOpenOut(b, -5, Structs.FOPEN_PASSTHROUGH, 42);
    assertThat(b.position()).isEqualTo(16);
    assertThat(b.getLong(0)).isEqualTo(-5);
    assertThat(b.getInt(8)).isEqualTo(1 << 7);
    assertThat(b.getInt(12)).isEqualTo(42);

    b = buffer();
    Structs.putStatfs(b, new StatFs(1, 2, 3, 4, 5, 4096, 255, 512));
    assertThat(b.position()).isEqualTo(80);
    assertThat(b.getLong(32)).isEqualTo(5);
    assertThat(b.getInt(40)).isEqualTo(4096);
    assertThat(b.getInt(44)).isEqualTo(255);
    assertThat(b.getInt(48)).isEqualTo(512);

    b = buffer();
    Structs.putInitOut(b, new InitOut(7, 40, 1 << 20, InitFlags.PASSTHROUGH | InitFlags.MAX_PAGES | InitFlags.INIT_EXT,
        64, 48, 131072, 1, 256, 1));
    assertThat(b.position()).isEqualTo(64);
    assertThat(b.getInt(0)).isEqualTo(7);
    assertThat(b.getInt(4)).isEqualTo(40);
    assertThat(b.getInt(8)).isEqualTo(1 << 20);
    assertThat(b.getInt(12)).isEqualTo((1 << 22) | (1 << 30));
    assertThat(b.getShort(16)).isEqualTo((short) 64);
    assertThat(b.getShort(18)).isEqualTo((short) 48);
    assertThat(b.getInt(20)).isEqualTo(131072);
    assertThat(b.getInt(24)).isEqualTo(1);
    assertThat(b.getShort(28)).isEqualTo((short) 256);
    assertThat(b.getInt(32)).isEqualTo(1 << 5); // flags2: PASSTHROUGH is bit 37
    assertThat(b.getInt(36)).isEqualTo(1); // max_stack_depth
  }

  @Test
  void direntsAreAlignedToEightBytes() {
    assertThat(Structs.direntSize(1)).isEqualTo(32);
    assertThat(Structs.direntSize(8)).isEqualTo(32);
    assertThat(Structs.direntSize(9)).isEqualTo(40);
    assertThat(Structs.direntplusSize(1)).isEqualTo(160);
    assertThat(Structs.direntplusSize(9)).isEqualTo(168);
    ByteBuffer b = buffer();
    Structs.putDirent(b, 5, 6, 8, new byte[] {'a', 'b', 'c'});
    assertThat(b.position()).isEqualTo(32);
    assertThat(b.getLong(0)).isEqualTo(5);
    assertThat(b.getLong(8)).isEqualTo(6);
    assertThat(b.getInt(16)).isEqualTo(3);
    assertThat(b.getInt(20)).isEqualTo(8);
    assertThat(b.get(24)).isEqualTo((byte) 'a');
    assertThat(b.get(27)).isZero();

    b = buffer();
    Structs.putDirentplus(b, new Entry(ATTR), Duration.ZERO, Duration.ZERO, ATTR.ino(), 9, 8, new byte[] {'x'});
    assertThat(b.position()).isEqualTo(160);
    assertThat(b.getLong(128)).isEqualTo(ATTR.ino());
    assertThat(b.getLong(136)).isEqualTo(9);
    assertThat(b.get(152)).isEqualTo((byte) 'x');
  }

  @Test
  void notificationBodies() {
    ByteBuffer b = buffer();
    Structs.putNotifyStoreOut(b, 3, 1L << 33, 4096);
    assertThat(b.position()).isEqualTo(24);
    assertThat(b.getLong(8)).isEqualTo(1L << 33);
    assertThat(b.getInt(16)).isEqualTo(4096);
    b = buffer();
    Structs.putNotifyInvalInodeOut(b, 3, 0, -1);
    assertThat(b.position()).isEqualTo(24);
    assertThat(b.getLong(16)).isEqualTo(-1);
    b = buffer();
    Structs.putNotifyInvalEntryOut(b, 1, new byte[] {'a', 'b'});
    assertThat(b.position()).isEqualTo(16 + 3);
    assertThat(b.getInt(8)).isEqualTo(2);
    assertThat(b.get(18)).isZero();
  }

  @Test
  void decodesHeaderInitAndReadRequests() {
    ByteBuffer r = buffer();
    r.putInt(0, 104).putInt(4, Opcode.INIT).putLong(8, 77).putLong(16, 1).putInt(24, 1000).putInt(28, 1001)
        .putInt(32, 4242).putShort(36, (short) 0);
    InHeader h = InHeader.decode(r, 104);
    assertThat(h).isEqualTo(new InHeader(104, Opcode.INIT, 77, 1, 1000, 1001, 4242, 0));
    assertThatThrownBy(() -> InHeader.decode(r, 100)).isInstanceOf(MalformedRequestException.class);
    assertThatThrownBy(() -> InHeader.decode(r, 39)).isInstanceOf(MalformedRequestException.class);

    ByteBuffer init = buffer();
    init.putInt(0, 7).putInt(4, 44).putInt(8, 131072).putInt(12, (int) (InitFlags.INIT_EXT | InitFlags.ASYNC_READ))
        .putInt(16, 1 << 5);
    InitIn in = InitIn.decode(init.limit(64));
    assertThat(in.minor()).isEqualTo(44);
    assertThat(in.flags() & InitFlags.PASSTHROUGH).isNotZero();
    assertThat(in.flags() & InitFlags.ASYNC_READ).isNotZero();

    ByteBuffer read = buffer();
    read.putLong(0, 9).putLong(8, 5L << 30).putInt(16, 1 << 20).putInt(32, 0100000);
    assertThat(Requests.readIn(read.limit(40))).isEqualTo(new Requests.ReadIn(9, 5L << 30, 1 << 20, 0100000));
    assertThatThrownBy(() -> Requests.readIn(read.limit(39))).isInstanceOf(MalformedRequestException.class);
  }

  @Test
  void namesMustBeTerminated() {
    ByteBuffer b = ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 'h', 'i', 0});
    assertThat(Requests.name(b, 8)).isEqualTo("hi");
    assertThatThrownBy(() -> Requests.name(ByteBuffer.wrap(new byte[] {'h', 'i'}), 0))
        .isInstanceOf(MalformedRequestException.class);
    assertThatThrownBy(() -> Requests.name(ByteBuffer.wrap(new byte[] {0}), 0))
        .isInstanceOf(MalformedRequestException.class);
  }

  @Test
  void batchForgetCountMustFitTheBody() {
    ByteBuffer b = buffer();
    b.putInt(0, 2).putLong(8, 10).putLong(16, 1).putLong(24, 11).putLong(32, 3);
    assertThat(Requests.batchForget(b.limit(40))).containsExactly(new Requests.Forget(10, 1), new Requests.Forget(11, 3));
    b.putInt(0, 1000);
    assertThatThrownBy(() -> Requests.batchForget(b)).isInstanceOf(MalformedRequestException.class);
  }

  @Test
  void deviceNumbersUseTheKernelEncoding() {
    int dev = Attr.makedev(250, 70_000);
    assertThat(Attr.major(dev)).isEqualTo(250);
    assertThat(Attr.minor(dev)).isEqualTo(70_000);
    assertThat(Attr.makedev(8, 1)).isEqualTo(0x801);
  }
}
