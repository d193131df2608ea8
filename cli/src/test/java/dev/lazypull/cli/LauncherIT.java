package dev.lazypull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code lazypull} launcher script as installed: a client command makes the AOT cache of its
 * jar on first use, keeps it while the jar stays, and makes a new one when the jar is replaced
 * (a rebuild), so a cache of another jar is never kept. Runs a copy of the script beside a copy of
 * the built jar, so it never builds.
 */
class LauncherIT {
  @TempDir Path install;

  record Result(int code, String out, String err) {}

  private Result lazypull(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of(install.resolve("lazypull").toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Path out = Files.createTempFile(install, "out", ".txt");
    Path err = Files.createTempFile(install, "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void clientCommandsMakeTheCacheOnceAndAgainAfterTheJarChanges() throws Exception {
    Path repo = Path.of(System.getProperty("user.dir")).getParent();
    Files.copy(repo.resolve("lazypull"), install.resolve("lazypull"));
    Path target = Files.createDirectories(install.resolve("cli/target"));
    Path jar = target.resolve("lazypull.jar");
    Files.copy(repo.resolve("cli/target/lazypull-cli-all.jar"), jar);
    Path aot = target.resolve("lazypull.jar.aot");
    Path noAgent = install.resolve("run");

    Result first = lazypull("stats", "--json", "--run-dir", noAgent.toString());
    assertThat(first.code()).isEqualTo(1);
    assertThat(first.out()).as("stdout holds only the command's output").isEmpty();
    assertThat(first.err()).contains("no lazypull agent runs");
    assertThat(aot).isNotEmptyFile();
    FileTime made = Files.getLastModifiedTime(aot);
    assertThat(made.compareTo(Files.getLastModifiedTime(jar))).isPositive();

    Result second = lazypull("stats", "--run-dir", noAgent.toString());
    assertThat(second.err()).contains("no lazypull agent runs").doesNotContain("warning", "error");
    assertThat(Files.getLastModifiedTime(aot)).as("the cache is kept while the jar stays").isEqualTo(made);

    // A rebuild replaces the jar by rename: the old cache must not be used with it.
    Files.copy(repo.resolve("cli/target/lazypull-cli-all.jar"), target.resolve("new.jar"));
    // Its time is a rebuild's: now, after the cache's (not in the future, which the cache made next
    // would not be newer than: the client's runs can now all fall within a second or two).
    Files.setLastModifiedTime(target.resolve("new.jar"), FileTime.fromMillis(Math.max(System.currentTimeMillis(), made.toMillis() + 1)));
    Files.move(target.resolve("new.jar"), jar, StandardCopyOption.REPLACE_EXISTING);
    Result rebuilt = lazypull("umount", install.resolve("nothing").toString(), "--run-dir", noAgent.toString());
    assertThat(rebuilt.err()).contains("does not exist").doesNotContain("warning", "AOT");
    assertThat(Files.getLastModifiedTime(aot).compareTo(Files.getLastModifiedTime(jar))).as("a new cache for the new jar").isPositive();

    Result version = lazypull("--version");
    assertThat(version.code()).isZero();
    assertThat(version.out()).startsWith("lazypull ");
  }
}
