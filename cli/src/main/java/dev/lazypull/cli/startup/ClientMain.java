package dev.lazypull.cli.startup;

import dev.lazypull.cli.Main;

/**
 * The launcher's entry point for the client commands ({@code mount}, {@code umount}, {@code
 * stats}): {@link Main#run}, from a class whose public methods name no picocli type. The JVM finds
 * a main class's {@code main} by reflection over its public methods, which resolves every type in
 * their signatures: with {@link Main} (whose {@code commandLine} returns picocli's {@code
 * CommandLine}) that loaded picocli's largest class, Java 5 bytecode no AOT cache holds, and opened
 * the 42 MB jar for it, before the command had begun (decision 0015).
 */
public final class ClientMain {
  private ClientMain() {}

  public static void main(String[] args) {
    Main.exit(run(args));
  }

  /** {@link Main#run}: the exit code of the command line {@code args}. */
  static int run(String... args) {
    return Main.run(args);
  }
}
