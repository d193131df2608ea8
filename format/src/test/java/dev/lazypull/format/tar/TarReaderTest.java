package dev.lazypull.format.tar;

import static dev.lazypull.testkit.images.TarWriter.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.TarEntry;
import dev.lazypull.testkit.images.TarWriter;
import dev.lazypull.testkit.images.TestEntry;
import dev.lazypull.testkit.images.TestEntry.Style;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class TarReaderTest {

  /** Reads a whole tar, checking that headers, data and trailer put together give the input. */
  static List<TarEntry> readAll(byte[] tar, Predicate<String> lower) throws IOException {
    TarReader reader = new TarReader(new ByteArrayInputStream(tar), "layer-under-test", lower);
    ByteArrayOutputStream reassembled = new ByteArrayOutputStream();
    List<TarEntry> headers = new ArrayList<>();
    TarRecord r;
    while ((r = reader.next()) != null) {
      assertThat(r.headerOffset()).isEqualTo(reassembled.size());
      reassembled.writeBytes(r.rawHeader());
      assertThat(r.dataOffset()).isEqualTo(reassembled.size());
      byte[] data = r.data().readAllBytes();
      assertThat((long) data.length).isEqualTo(r.paddedDataLength());
      reassembled.writeBytes(data);
      headers.add(r.entry());
    }
    reassembled.writeBytes(reader.trailer());
    assertThat(reassembled.toByteArray()).isEqualTo(tar);
    assertThat(reader.position()).isEqualTo(tar.length);
    return headers;
  }

  static List<TarEntry> readAll(byte[] tar) throws IOException {
    return readAll(tar, null);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void readsEveryEntryTypeOfAPlainUstarTar() throws IOException {
    List<TarEntry> h = readAll(tar(
        TestEntry.dir("./etc/").style(Style.USTAR),
        TestEntry.file("etc/hosts", "127.0.0.1 localhost\n").mode(0640).owner(5, 7),
        TestEntry.symlink("etc/localtime", "/usr/share/zoneinfo/UTC"),
        TestEntry.hardlink("etc/hosts.bak", "etc/hosts"),
        TestEntry.charDevice("dev/null", 1, 3),
        TestEntry.blockDevice("dev/sda", 8, 0),
        TestEntry.fifo("run/initctl"),
        TestEntry.file("usr/bin/sudo", "x").mode(04755),
        TestEntry.dir("tmp").mode(01777),
        TestEntry.dir("srv/g").mode(02775)));
    assertThat(h).extracting(TarEntry::path).containsExactly(
        "etc", "etc/hosts", "etc/localtime", "etc/hosts.bak", "dev/null", "dev/sda", "run/initctl",
        "usr/bin/sudo", "tmp", "srv/g");
    assertThat(h).extracting(TarEntry::type).containsExactly(
        EntryType.DIR, EntryType.FILE, EntryType.SYMLINK, EntryType.HARDLINK, EntryType.CHAR_DEVICE,
        EntryType.BLOCK_DEVICE, EntryType.FIFO, EntryType.FILE, EntryType.DIR, EntryType.DIR);
    assertThat(h.get(1)).extracting(TarEntry::mode, TarEntry::uid, TarEntry::gid, TarEntry::size)
        .containsExactly(0640, 5L, 7L, 20L);
    assertThat(h.get(1).mtimeSeconds()).isEqualTo(1_700_000_000L);
    assertThat(h.get(2).linkName()).isEqualTo("/usr/share/zoneinfo/UTC");
    assertThat(h.get(3).linkName()).isEqualTo("etc/hosts");
    assertThat(h.get(4)).extracting(TarEntry::devMajor, TarEntry::devMinor).containsExactly(1, 3);
    assertThat(h.get(5)).extracting(TarEntry::devMajor, TarEntry::devMinor).containsExactly(8, 0);
    assertThat(h.get(7).mode()).isEqualTo(04755);
    assertThat(h.get(8).mode()).isEqualTo(01777);
    assertThat(h.get(9).mode()).isEqualTo(02775);
  }

  @Test
  void paxHeadersCarryLongNamesLargeIdsXattrsAndNanoseconds() throws IOException {
    String longDir = "usr/lib/python3/dist-packages/" + "a".repeat(120);
    String longName = longDir + "/module.py";
    List<TarEntry> h = readAll(tar(
        TestEntry.file(longName, "print(1)\n")
            .owner(3_000_000_000L, 4_000_000_000L)
            .mtime(1_700_000_123L, 123_456_789)
            .xattr("user.comment", utf8("hello"))
            .xattr("security.capability", new byte[] {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
        TestEntry.symlink("short", "/" + longName)));
    assertThat(h.get(0).path()).isEqualTo(longName);
    assertThat(h.get(0).uid()).isEqualTo(3_000_000_000L);
    assertThat(h.get(0).gid()).isEqualTo(4_000_000_000L);
    assertThat(h.get(0).mtimeSeconds()).isEqualTo(1_700_000_123L);
    assertThat(h.get(0).mtimeNanos()).isEqualTo(123_456_789);
    assertThat(h.get(0).xattrs()).containsOnlyKeys("security.capability", "user.comment");
    assertThat(h.get(0).xattrs().get("user.comment")).isEqualTo(utf8("hello"));
    assertThat(h.get(0).xattrs().get("security.capability")).hasSize(20);
    assertThat(h.get(1).linkName()).isEqualTo("/" + longName);
  }

  @Test
  void libarchiveXattrsAreDecoded() throws IOException {
    List<TarEntry> h = readAll(tar(TestEntry.file("f", "x")
        .pax("LIBARCHIVE.xattr.user.with%3Dequals", utf8("AAEC"))));
    assertThat(h.get(0).xattrs()).containsOnlyKeys("user.with=equals");
    assertThat(h.get(0).xattrs().get("user.with=equals")).containsExactly(0, 1, 2);
  }

  @Test
  void globalPaxHeadersApplyToLaterEntriesUntilOverridden() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarWriter w = new TarWriter(bytes);
    w.globalPax(Map.of("uid", utf8("4242"), "SCHILY.xattr.user.global", utf8("g")));
    w.add(TestEntry.file("a", "1"));
    w.add(TestEntry.file("b", "2").pax("uid", utf8("7")));
    w.finish();
    List<TarEntry> h = readAll(bytes.toByteArray());
    assertThat(h.get(0).uid()).isEqualTo(4242);
    assertThat(h.get(0).xattrs()).containsKey("user.global");
    assertThat(h.get(1).uid()).isEqualTo(7);
  }

  @Test
  void paxFractionalTimesBeforeTheEpochAreNormalised() throws IOException {
    List<TarEntry> h = readAll(tar(TestEntry.file("old", "x").pax("mtime", utf8("-1.25"))));
    assertThat(h.get(0).mtimeSeconds()).isEqualTo(-2);
    assertThat(h.get(0).mtimeNanos()).isEqualTo(750_000_000);
  }

  @Test
  void gnuLongNamesAndLinksAndBase256Ids() throws IOException {
    String longName = "opt/" + "n".repeat(200) + "/file";
    String longLink = "opt/" + "l".repeat(150);
    List<TarEntry> h = readAll(tar(
        TestEntry.file(longName, "data").style(Style.GNU).owner(10_000_000L, 20_000_000L),
        TestEntry.symlink("opt/sym", longLink).style(Style.GNU),
        TestEntry.hardlink("opt/" + "h".repeat(150), longName).style(Style.GNU)));
    assertThat(h.get(0).path()).isEqualTo(longName);
    assertThat(h.get(0).uid()).isEqualTo(10_000_000L);
    assertThat(h.get(0).gid()).isEqualTo(20_000_000L);
    assertThat(h.get(1).linkName()).isEqualTo(longLink);
    assertThat(h.get(2).path()).isEqualTo("opt/" + "h".repeat(150));
    assertThat(h.get(2).linkName()).isEqualTo(longName);
  }

  @Test
  void ustarPrefixIsJoinedToTheName() throws IOException {
    String name = "p".repeat(120) + "/" + "q".repeat(90);
    assertThat(readAll(tar(TestEntry.file(name, "x").style(Style.USTAR))).get(0).path()).isEqualTo(name);
  }

  @Test
  void absoluteAndDotNamesAreNormalised() throws IOException {
    List<TarEntry> h = readAll(tar(
        TestEntry.dir("./"), TestEntry.file("/etc//passwd", "x"), TestEntry.file("./a/./b/c", "y")));
    assertThat(h).extracting(TarEntry::path).containsExactly("", "etc/passwd", "a/b/c");
  }

  @Test
  void hardlinksMayPointIntoLowerLayers() throws IOException {
    byte[] t = tar(TestEntry.hardlink("bin/sh2", "/bin/sh"));
    assertThat(readAll(t, Set.of("bin/sh")::contains).get(0).linkName()).isEqualTo("bin/sh");
    assertThat(readAll(t, null).get(0).linkName()).isEqualTo("bin/sh");
    assertThatThrownBy(() -> readAll(t, Set.of("bin/bash")::contains))
        .isInstanceOf(TarFormatException.class)
        .hasMessageContaining("layer-under-test")
        .hasMessageContaining("'bin/sh2'")
        .hasMessageContaining("hardlink target 'bin/sh'");
  }

  @Test
  void hardlinkToAMissingTargetFails() {
    byte[] t = tar(TestEntry.file("a", "x"), TestEntry.hardlink("b", "c"));
    assertThatThrownBy(() -> readAll(t, p -> false))
        .isInstanceOf(TarFormatException.class)
        .hasMessage("malformed tar in layer layer-under-test, entry 'b': hardlink target 'c' is neither an"
            + " earlier entry of this layer nor a file of a lower layer");
  }

  @Test
  void hardlinkToADirectoryFails() {
    byte[] t = tar(TestEntry.dir("d"), TestEntry.hardlink("b", "d"));
    assertThatThrownBy(() -> readAll(t, p -> false)).hasMessageContaining("hardlink target 'd'");
  }

  @Test
  void idsBeyond32BitsAreRefused() {
    assertThatThrownBy(() -> readAll(tar(TestEntry.file("f", "x").owner(1L << 33, 0))))
        .hasMessageContaining("entry 'f': uid/gid 8589934592/0 exceed the 32 bits Linux has");
  }

  @Test
  void whiteoutsAndOpaqueMarkersPassThroughAsEntries() throws IOException {
    List<TarEntry> h = readAll(tar(
        TestEntry.whiteout("etc/motd"), TestEntry.opaque("var/cache"), TestEntry.file("var/cache/new", "n")));
    assertThat(h).extracting(TarEntry::type).containsOnly(EntryType.FILE);
    assertThat(h.get(0).classified().type()).isEqualTo(EntryType.WHITEOUT);
    assertThat(h.get(0).classified().whiteoutTarget()).isEqualTo("etc/motd");
    assertThat(h.get(1).classified().type()).isEqualTo(EntryType.OPAQUE);
    assertThat(h.get(1).classified().whiteoutTarget()).isEqualTo("var/cache");
    assertThat(h.get(2).classified().type()).isEqualTo(EntryType.FILE);
  }

  @Test
  void unreadDataIsSkipped() throws IOException {
    byte[] t = tar(TestEntry.file("a", new byte[5000]), TestEntry.file("b", "bb"));
    TarReader reader = new TarReader(new ByteArrayInputStream(t), "l", null);
    assertThat(reader.next().entry().path()).isEqualTo("a");
    TarRecord b = reader.next();
    assertThat(b.headerOffset()).isEqualTo(512 + 5120);
    assertThat(new String(b.data().readNBytes(2), StandardCharsets.UTF_8)).isEqualTo("bb");
    assertThat(reader.next()).isNull();
    assertThat(reader.trailer()).hasSize(t.length - 512 - 5120 - 1024);
  }

  @Test
  void aStreamWithoutEndMarkerEndsCleanlyAtAnEntryBoundary() throws IOException {
    byte[] t = tar(TestEntry.file("a", "x"));
    byte[] cut = Arrays.copyOf(t, 1024);
    TarReader reader = new TarReader(new ByteArrayInputStream(cut), "l", null);
    assertThat(reader.next()).isNotNull();
    assertThat(reader.next()).isNull();
    assertThat(reader.trailer()).isEmpty();
  }

  // ---- errors ----

  @Test
  void corruptChecksumIsReportedWithLayerAndEntry() {
    byte[] t = tar(TestEntry.file("etc/passwd", "root:x:0:0"));
    t[9] ^= 1; // inside the name field, after the checksum was computed
    assertThatThrownBy(() -> readAll(t))
        .isInstanceOf(TarFormatException.class)
        .hasMessageStartingWith("malformed tar in layer layer-under-test, entry 'etc/passwe': corrupt header: checksum");
  }

  @Test
  void garbageInANumericFieldIsCorrupt() {
    byte[] t = tar(TestEntry.file("f", "x"));
    t[100] = 'z';
    fixChecksum(t, 0);
    assertThatThrownBy(() -> readAll(t)).hasMessageContaining("entry 'f': corrupt header: invalid character 0x7a in octal field 'mode'");
  }

  @Test
  void namesEscapingTheRootAreRefused() {
    assertThatThrownBy(() -> readAll(tar(TestEntry.file("../etc/passwd", "x"))))
        .hasMessage("malformed tar in layer layer-under-test, entry '../etc/passwd': entry path escapes the root"
            + " with '..': \"../etc/passwd\"");
    assertThatThrownBy(() -> readAll(tar(TestEntry.file("a/../../b", "x")))).hasMessageContaining("escapes the root");
    assertThatThrownBy(() -> readAll(tar(TestEntry.hardlink("a", "../x"))))
        .hasMessageContaining("entry 'a': entry path escapes the root with '..': \"../x\"");
  }

  @Test
  void nulInAPaxPathIsRefused() {
    byte[] t = tar(TestEntry.file("x", "1").pax("path", utf8("evil\0name")));
    assertThatThrownBy(() -> readAll(t)).hasMessageContaining("entry path contains a NUL byte");
  }

  @Test
  void nulInsideAGnuLongNameIsRefused() {
    String longName = "d/" + "n".repeat(120);
    byte[] t = tar(TestEntry.file(longName, "1").style(Style.GNU));
    t[512 + 5] = 0; // in the 'L' body
    assertThatThrownBy(() -> readAll(t)).hasMessageContaining("NUL byte inside a GNU long name");
  }

  @Test
  void truncatedDataNamesTheEntry() {
    byte[] t = tar(TestEntry.file("big", new byte[4096]));
    byte[] cut = Arrays.copyOf(t, 512 + 1000);
    assertThatThrownBy(() -> readAll(cut))
        .isInstanceOf(TarFormatException.class)
        .hasMessage("malformed tar in layer layer-under-test, entry 'big': truncated: the entry has 4096 bytes of"
            + " data blocks, the stream ended after 1000");
  }

  @Test
  void truncatedHeaderIsReported() {
    byte[] t = tar(TestEntry.file("a", "x"));
    assertThatThrownBy(() -> readAll(Arrays.copyOf(t, 1024 + 100))).hasMessageContaining("ends inside a header block");
  }

  @Test
  void streamEndingAfterAnExtendedHeaderIsTruncated() {
    byte[] t = tar(TestEntry.file("f", "x").mtime(1, 5));
    assertThatThrownBy(() -> readAll(Arrays.copyOf(t, 1024)))
        .hasMessageContaining("archive ends after an extended header");
  }

  @Test
  void sizeOnALinkIsAMismatch() {
    byte[] t = tar(TestEntry.symlink("s", "target"));
    writeOctal(t, 124, 12, 100);
    fixChecksum(t, 0);
    assertThatThrownBy(() -> readAll(t))
        .hasMessageContaining("entry 's': size mismatch: a SYMLINK entry declares 100 bytes of data, it can have none");
  }

  @Test
  void sparseAndUnknownTypesAreRefused() {
    byte[] t = tar(TestEntry.file("f", "x"));
    t[156] = 'S';
    fixChecksum(t, 0);
    assertThatThrownBy(() -> readAll(t)).hasMessageContaining("GNU sparse files are not supported");
    t[156] = 'Q';
    fixChecksum(t, 0);
    assertThatThrownBy(() -> readAll(t)).hasMessageContaining("unsupported entry type 'Q'");
  }

  @Test
  void dataAfterTheEndMarkerIsRefused() {
    byte[] one = tar(TestEntry.file("a", "x"));
    byte[] two = tar(TestEntry.file("b", "y"));
    int end = 1024; // header + data block of the first archive
    byte[] t = new byte[end + 512 + two.length];
    System.arraycopy(one, 0, t, 0, end);
    System.arraycopy(two, 0, t, end + 512, two.length);
    assertThatThrownBy(() -> readAll(t)).hasMessageContaining("data after the end-of-archive marker");
  }

  @Test
  void corruptPaxRecordIsReported() {
    byte[] t = tar(TestEntry.file("f", "x").mtime(1, 5));
    t[512] = 'x'; // the record length
    assertThatThrownBy(() -> readAll(t)).hasMessageContaining("corrupt PAX header");
  }

  @Test
  void invalidUtf8NamesAreRefused() {
    byte[] t = tar(TestEntry.file("ab", "x"));
    t[0] = (byte) 0xff;
    fixChecksum(t, 0);
    assertThatThrownBy(() -> readAll(t)).hasMessageContaining("header field is not valid UTF-8");
  }

  static void writeOctal(byte[] t, int offset, int length, long value) {
    byte[] s = String.format("%0" + (length - 1) + "o", value).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(s, 0, t, offset, s.length);
  }

  static void fixChecksum(byte[] t, int blockOffset) {
    Arrays.fill(t, blockOffset + 148, blockOffset + 156, (byte) ' ');
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += t[blockOffset + i] & 0xff;
    }
    writeOctal(t, blockOffset + 148, 7, sum);
    t[blockOffset + 154] = 0;
  }
}
