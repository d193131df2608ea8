package dev.lazypull.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lazypull} command. Each subcommand lives in its own class and is registered here. */
@Command(
    name = "lazypull",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Lazy-loading container images: convert an OCI image into a lazy image, mount it at once, fetch only what is read.",
    subcommands = {CommandLine.HelpCommand.class, BuildCommand.class, ConvertCommand.class, InspectCommand.class,
        MountCommand.class, UmountCommand.class, StatsCommand.class, AgentCommand.class, DemoCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, also used by tests to run commands in-process. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
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
