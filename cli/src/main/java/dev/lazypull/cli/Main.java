package dev.lazypull.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lazypull} command. Each subcommand lives in its own class and is registered here. */
@Command(
    name = "lazypull",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Lazy-loading container images: convert an OCI image into a lazy image, mount it at once, fetch only what is read.")
public final class Main implements Runnable {

  /** Every subcommand by name, in the order the usage help lists them. */
  private static final List<String> SUBCOMMANDS = List.of("help", "build", "convert", "inspect", "mount", "umount", "stats", "agent", "demo");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    exit(run(args));
  }

  /**
   * Ends the process with {@code code}: by returning from main when it is 0, as System.exit would
   * start the platform's logging (it logs each Runtime.exit), a few ms of a client command.
   */
  public static void exit(int code) {
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * Runs the command line {@code args} with the process's standard output and error; returns the
   * exit code. A plain {@code mount}, {@code umount} or {@code stats} runs without picocli
   * ({@link ClientArgs}, decision 0015); everything else, help and errors too, through it.
   */
  public static int run(String... args) {
    java.util.Optional<ClientCommand> client = ClientArgs.parse(args);
    return client.isPresent() ? ClientArgs.run(client.get()) : commandLine(args).execute(args);
  }

  /** The configured command line with every subcommand, also used by tests to run commands in-process. */
  public static CommandLine commandLine() {
    return configure(SUBCOMMANDS.toArray(String[]::new));
  }

  /**
   * The command line for running {@code args}: when they name a subcommand, only that one is
   * registered. Picocli builds the model of every registered subcommand (reflection over its
   * options, mixins and defaults) before it parses, so a {@code lazypull mount} that carried
   * build, convert and agent would pay for them at each start; the client commands are the ones
   * whose start-up a user waits for (decision 0015). Anything else (no subcommand, {@code help},
   * a misspelt name) gets them all, so usage and suggestions are complete.
   */
  public static CommandLine commandLine(String... args) {
    if (args.length > 0 && SUBCOMMANDS.contains(args[0]) && !args[0].equals("help")) {
      return configure(args[0]);
    }
    return commandLine();
  }

  private static CommandLine configure(String... names) {
    CommandLine cl = new CommandLine(new Main());
    for (String name : names) {
      cl.addSubcommand(name, subcommand(name));
    }
    // After the subcommands: picocli applies a setting to the subcommands registered so far.
    return cl.setCaseInsensitiveEnumValuesAllowed(true);
  }

  /**
   * A new instance of subcommand {@code name}. A switch, not a map of constructor references: a
   * JDK 25 AOT cache built from a run that had linked a lambda to picocli's (pre-Java 6, so not
   * archivable) HelpCommand crashed the JVM writing the cache.
   */
  private static Object subcommand(String name) {
    return switch (name) {
      case "help" -> new CommandLine.HelpCommand();
      case "build" -> new BuildCommand();
      case "convert" -> new ConvertCommand();
      case "inspect" -> new InspectCommand();
      case "mount" -> new MountCommand();
      case "umount" -> new UmountCommand();
      case "stats" -> new StatsCommand();
      case "agent" -> new AgentCommand();
      case "demo" -> new DemoCommand();
      default -> throw new IllegalArgumentException("no subcommand " + name);
    };
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"lazypull " + (v == null ? "dev" : v)};
    }
  }
}
