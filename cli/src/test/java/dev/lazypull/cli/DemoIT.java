package dev.lazypull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lazypull demo} end to end on a real JDK 25: a jlink image of the running JDK (java.base
 * only, so the test stays quick) becomes a tar+gzip image, is converted, mounted through FUSE, and
 * its {@code bin/java -version} runs from the mount. A second run reuses both images.
 */
class DemoIT {
  @TempDir Path tmp;

  @Test
  void runsTheJdkFromALazyMountAndFetchesLessThanTheImage() throws Exception {
    Path jdk = tmp.resolve("jdk");
    Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
    Process p = new ProcessBuilder(jlink.toString(), "--add-modules", "java.base", "--output", jdk.toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();

    Path cache = tmp.resolve("cache");
    CliRun first = CliRun.lazypull("demo", "--cache-dir", cache.toString(), "--java-home", jdk.toString());
    String out = String.join("\n", first.out());
    System.out.println(out);
    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(out).contains("$ " + cache.resolve("mnt/bin/java") + " -version");
    assertThat(out).containsPattern("\\| (openjdk|java) version \"25");
    assertThat(out).contains("unmounted " + cache.resolve("mnt"));

    Matcher fetched = Pattern.compile("bytes fetched +([0-9.]+) (KiB|MiB) of ([0-9.]+) (KiB|MiB)").matcher(out);
    assertThat(fetched.find()).as(out).isTrue();
    assertThat(bytes(fetched.group(1), fetched.group(2))).isPositive().isLessThan(bytes(fetched.group(3), fetched.group(4)));
    try (var entries = Files.list(cache.resolve("mnt"))) {
      assertThat(entries).as("the mount point is empty again after the demo").isEmpty();
    }

    CliRun second = CliRun.lazypull("demo", "--cache-dir", cache.toString(), "--java-home", jdk.toString());
    assertThat(second.exit()).as(second.err()).isZero();
    assertThat(String.join("\n", second.out())).containsPattern("\\| (openjdk|java) version \"25").contains("unmounted");
  }

  @Test
  void saysWhatIsWrongWithAJdkOlderThan25() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("old-jdk/bin"));
    Files.writeString(bin.resolve("java"), "#!/bin/sh\n");
    assertThat(bin.resolve("java").toFile().setExecutable(true)).isTrue();
    Files.writeString(tmp.resolve("old-jdk/release"), "JAVA_VERSION=\"17.0.9\"\n");

    CliRun run = CliRun.lazypull("demo", "--cache-dir", tmp.resolve("cache").toString(), "--java-home", tmp.resolve("old-jdk").toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("JDK 17").contains("needs JDK 25");
  }

  @Test
  void saysWhatIsWrongWithADirectoryThatIsNoJdk() {
    CliRun run = CliRun.lazypull("demo", "--cache-dir", tmp.resolve("cache").toString(), "--java-home", tmp.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("is not a JDK home");
  }

  private static double bytes(String number, String unit) {
    return Double.parseDouble(number) * (unit.equals("MiB") ? 1 << 20 : 1 << 10);
  }
}
