package dev.lazypull.builder.overlay.tar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarHeadersTest {
  @TempDir Path dir;

  private static final String LONG = "very/".repeat(30) + "long-name.txt";

  private static byte[] archive() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] data = "hello\n".getBytes(StandardCharsets.UTF_8);
    out.writeBytes(TarHeaders.header("app", TarHeaders.Type.DIRECTORY, 0755, 0, 1700000000L, null));
    out.writeBytes(TarHeaders.header("app/hello.txt", TarHeaders.Type.FILE, 0644, data.length, 1700000000L, null));
    out.writeBytes(data);
    out.writeBytes(new byte[TarHeaders.padding(data.length)]);
    out.writeBytes(TarHeaders.header("app/run", TarHeaders.Type.FILE, 0755, 0, 1700000000L, null));
    out.writeBytes(TarHeaders.header(LONG, TarHeaders.Type.FILE, 0644, 0, 1700000000L, null));
    out.writeBytes(TarHeaders.header("app/link", TarHeaders.Type.SYMLINK, 0777, 0, 1700000000L, "../" + LONG));
    out.writeBytes(TarHeaders.trailer());
    return out.toByteArray();
  }

  @Test
  void sameEntriesGiveTheSameBytes() {
    assertThat(archive()).isEqualTo(archive());
    assertThat(archive().length % TarHeaders.BLOCK).isZero();
  }

  @Test
  void gnuTarReadsEveryFieldBack() throws Exception {
    Path tar = Files.write(dir.resolve("a.tar"), archive());
    Process p = new ProcessBuilder("tar", "--numeric-owner", "--full-time", "-tvf", tar.toString())
        .redirectErrorStream(true).start();
    String listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(listing).isZero();
    assertThat(listing.lines().map(l -> l.replaceAll(" +", " ")).toList()).containsExactly(
        "drwxr-xr-x 0/0 0 2023-11-14 22:13:20 app/",
        "-rw-r--r-- 0/0 6 2023-11-14 22:13:20 app/hello.txt",
        "-rwxr-xr-x 0/0 0 2023-11-14 22:13:20 app/run",
        "-rw-r--r-- 0/0 0 2023-11-14 22:13:20 " + LONG,
        "lrwxrwxrwx 0/0 0 2023-11-14 22:13:20 app/link -> ../" + LONG);
    Path out = Files.createDirectory(dir.resolve("x"));
    Process x = new ProcessBuilder("tar", "-xf", tar.toString(), "-C", out.toString()).inheritIO().start();
    assertThat(x.waitFor()).isZero();
    assertThat(Files.readString(out.resolve("app/hello.txt"))).isEqualTo("hello\n");
  }

  @Test
  void paxLengthCountsItsOwnDigits() throws IOException {
    // A record whose length crosses a power of ten (99 -> 100) must still be self-consistent.
    for (int n = 80; n < 120; n++) {
      String name = "d/" + "x".repeat(n);
      byte[] h = TarHeaders.header(name, TarHeaders.Type.FILE, 0644, 0, 0, null);
      if (name.length() <= 100) {
        assertThat(h.length).isEqualTo(512);
        continue;
      }
      String records = new String(h, 512, 512, StandardCharsets.UTF_8);
      int space = records.indexOf(' ');
      int len = Integer.parseInt(records.substring(0, space));
      assertThat(records.substring(0, len)).endsWith("path=" + name + "\n");
    }
  }
}
