package dev.lazypull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The client commands' own reader ({@link ClientArgs}) against picocli, which stays the definition
 * of their options: for every option in picocli's model of mount, umount and stats, and for lines
 * mixing them, both readers fill the command's fields alike; anything picocli would refuse or
 * answer itself (help, version, errors) is left to it.
 */
class ClientArgsTest {
  private static final List<String> CLIENT_COMMANDS = List.of("mount", "umount", "stats");

  /** The positionals a plain line of {@code command} has. */
  private static List<String> positionals(String command) {
    return switch (command) {
      case "mount" -> List.of("registry.example:5000/repo/image:lazy", "/mnt/image");
      case "umount" -> List.of("relative/mnt");
      default -> List.of("/mnt/image");
    };
  }

  /** A value of an option of {@code type} (its picocli type), written as a user would. */
  private static String sample(OptionSpec option, int n) {
    Class<?> type = option.type();
    if (type == Path.class) {
      return "/sample/dir" + n;
    }
    if (type == long.class || type == Long.class) {
      return (n + 3) + "G";
    }
    if (type == Duration.class) {
      return (n + 5) + "s";
    }
    if (type == List.class || type == String.class) {
      return "registry" + n + ".example:5000";
    }
    throw new AssertionError("no sample value for option " + option.longestName() + " of type " + type);
  }

  private static CommandSpec spec(String command) {
    return Main.commandLine(command).getSubcommands().get(command).getCommandSpec();
  }

  /** The options of {@code command} a plain line may have: all but help and version. */
  private static List<OptionSpec> options(String command) {
    return spec(command).options().stream().filter(o -> !o.usageHelp() && !o.versionHelp()).toList();
  }

  /** Both readers' command for {@code args}: picocli's and the client reader's, which must be there. */
  private static void assertReadAlike(List<String> args) throws Exception {
    String[] argv = args.toArray(String[]::new);
    Optional<ClientCommand> fast = ClientArgs.parse(argv);
    assertThat(fast).as("the client reader reads %s", args).isPresent();
    CommandLine.ParseResult parsed = Main.commandLine(argv).parseArgs(argv);
    Object picocli = parsed.subcommand().commandSpec().userObject();
    assertSameFields(picocli, fast.get(), args.get(0));
  }

  private static void assertSameFields(Object expected, Object actual, String where) throws Exception {
    assertThat(actual).as(where).hasSameClassAs(expected);
    for (Field f : expected.getClass().getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) || f.getType() == CommandSpec.class) {
        continue;
      }
      f.setAccessible(true);
      Object e = f.get(expected);
      Object a = f.get(actual);
      if (f.getType().getPackageName().equals(ClientArgs.class.getPackageName())) {
        assertSameFields(e, a, where + "." + f.getName()); // a mixin
      } else {
        assertThat(a).as("%s.%s", where, f.getName()).isEqualTo(e);
      }
    }
  }

  @Test
  void everyOptionOfPicocliModelIsReadAlike() throws Exception {
    for (String command : CLIENT_COMMANDS) {
      assertThat(options(command)).as(command).isNotEmpty();
      for (OptionSpec option : options(command)) {
        List<String> spaced = new ArrayList<>(List.of(command));
        List<String> attached = new ArrayList<>(List.of(command));
        if (option.arity().max() == 0) {
          spaced.add(option.longestName());
          attached.add(option.longestName());
        } else {
          spaced.addAll(List.of(option.longestName(), sample(option, 1)));
          attached.add(option.longestName() + "=" + sample(option, 1));
        }
        spaced.addAll(positionals(command));
        attached.addAll(1, positionals(command)); // the positionals before the option
        assertReadAlike(spaced);
        if (option.arity().max() > 0) {
          assertReadAlike(attached);
        }
      }
    }
  }

  @Test
  void defaultsAndLinesWithEveryOptionAreReadAlike() throws Exception {
    for (String command : CLIENT_COMMANDS) {
      List<String> bare = new ArrayList<>(List.of(command));
      bare.addAll(positionals(command));
      assertReadAlike(bare);
      List<String> all = new ArrayList<>(List.of(command));
      int n = 0;
      for (OptionSpec option : options(command)) {
        if (option.arity().max() == 0) {
          all.add(option.longestName());
        } else {
          all.addAll(List.of(option.longestName(), sample(option, n++)));
        }
        if (n == 1) {
          all.addAll(positionals(command)); // positionals between options
        }
      }
      if (n < 1) {
        all.addAll(positionals(command));
      }
      assertReadAlike(all);
    }
    assertReadAlike(List.of("stats")); // no DIR: the node's totals
    assertReadAlike(List.of("mount", "--insecure-registry", "a:1", "img", "--insecure-registry=b:2", "/m", "--insecure-registry", "c"));
    assertReadAlike(List.of("mount", "img", "/m", "--run-dir=", "--fetch-timeout", "250ms", "--cache-size=512MiB"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "help mount", "mount --help", "mount -h", "stats --version", "umount -V", "mount img", "mount img /m extra",
      "umount", "umount a b", "stats a b", "stats -- /m", "stats --jsn", "stats --json --json", "stats --json=true",
      "umount /m --run-dir", "umount /m --run-dir /a --run-dir /b", "umount /m --run-dir -x", "umount -m",
      "mount img /m --cache-size 10Q", "mount img /m --memory-cache-size=-1", "mount img /m --fetch-timeout soon",
      "mount img /m --root", "mount -", "convert a b", "agent", "--version", "inspect x",
  })
  void everyOtherLineIsLeftToPicocli(String line) {
    String[] argv = line.isEmpty() ? new String[0] : line.split(" ");
    assertThat(ClientArgs.parse(argv)).as("'%s'", line).isEmpty();
  }

  @Test
  void pathsThatAreNoPathsAreLeftToPicocli() {
    assertThat(ClientArgs.parse("umount", "/m\0x")).isEmpty();
  }
}
