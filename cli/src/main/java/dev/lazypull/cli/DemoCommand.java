package dev.lazypull.cli;

import dev.lazypull.cli.demo.Demo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lazypull demo}: the whole story on this machine, with no registry and nothing to download. */
@Command(
    name = "demo",
    header = "Build, convert and lazily mount an image of this JDK; run java -version from it.",
    mixinStandardHelpOptions = true,
    description = {
      "Make a real image from the JDK this command runs on (its home as one tar+gzip layer), convert it",
      "into a lazy image in an OCI layout under the cache directory, mount it lazily, run its bin/java",
      "-version from the mount, print sizes, times and bytes fetched, and unmount. Needs FUSE and root."
    })
public final class DemoCommand implements Callable<Integer> {

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "where the demo keeps its images, chunk cache and mount point (default: ~/.cache/lazypull/demo)")
  Path cacheDir;

  @Option(names = "--java-home", paramLabel = "DIR",
      description = "the JDK to make the image from (default: the one running this command)")
  Path javaHome;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Path dir = cacheDir != null ? cacheDir : Path.of(System.getProperty("user.home"), ".cache", "lazypull", "demo");
    Path jdk = javaHome != null ? javaHome : Path.of(System.getProperty("java.home"));
    try {
      Demo.run(dir.toAbsolutePath().normalize(), jdk.toAbsolutePath().normalize(), spec.commandLine().getOut(), spec.commandLine().getErr());
      return 0;
    } catch (Demo.DemoException e) {
      spec.commandLine().getErr().println("lazypull demo: " + e.getMessage());
      return 1;
    }
  }
}
