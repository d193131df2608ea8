package dev.lazypull.cli;

import dev.lazypull.cli.mount.Durations;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The plain command lines of {@code mount}, {@code umount} and {@code stats}, read without
 * picocli: a positional or {@code --name value} / {@code --name=value} at a time, each option once
 * (but the repeatable {@code --insecure-registry}). Picocli builds its model of a command by
 * reflection over annotations that a JVM parses anew at every start, and its classes are Java 5
 * bytecode that no AOT cache holds; for these commands that was most of their time (decision
 * 0015).
 *
 * <p>Picocli's annotations stay the one definition of the options, their defaults and help. Any
 * line that is not plain ({@code --help}, {@code --version}, a value that looks like an option,
 * {@code --}, an unknown or repeated option, a wrong count of positionals, a value that does not
 * convert) is left to picocli ({@link #parse} is empty), so usage and error messages are picocli's
 * own. {@code ClientArgsTest} holds both readers to the same fields for every option in
 * picocli's model of the three commands.
 */
public final class ClientArgs {
  private static final Set<String> MOUNT_FLAGS = Set.of("--no-prefetch", "--no-background-fetch");
  private static final Set<String> MOUNT_VALUES = Set.of("--root", "--run-dir", "--cache-size", "--memory-cache-size",
      "--fetch-timeout", "--insecure-registry", "--ca-bundle", "--hosts-dir");
  private static final Set<String> REPEATABLE = Set.of("--insecure-registry");

  private ClientArgs() {}

  /** Not a plain line: picocli reads it. */
  private static final class NotPlain extends Exception {
    NotPlain() {
      super(null, null, false, false);
    }
  }

  /** The client command that {@code args} (subcommand first) stand for; empty when picocli has to read them. */
  public static Optional<ClientCommand> parse(String... args) {
    if (args.length == 0) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(switch (args[0]) {
        case "mount" -> mount(Line.read(args, MOUNT_FLAGS, MOUNT_VALUES));
        case "umount" -> umount(Line.read(args, Set.of(), Set.of("--run-dir")));
        case "stats" -> stats(Line.read(args, Set.of("--json"), Set.of("--run-dir")));
        default -> null;
      });
    } catch (NotPlain e) {
      return Optional.empty();
    }
  }

  /** Runs {@code command} with the process's standard output and error; returns its exit code. */
  public static int run(ClientCommand command) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    try {
      return command.run(out, err);
    } finally {
      out.flush();
      err.flush();
    }
  }

  private static MountCommand mount(Line line) throws NotPlain {
    MountCommand m = new MountCommand();
    List<String> positionals = line.positionals(2, 2);
    m.image = positionals.get(0);
    m.dir = path(positionals.get(1));
    m.agent.root = path(line.single("--root"), m.agent.root);
    m.agent.runDir = path(line.single("--run-dir"), m.agent.runDir);
    String cacheSize = line.single("--cache-size");
    String memorySize = line.single("--memory-cache-size");
    String fetchTimeout = line.single("--fetch-timeout");
    try {
      m.agent.cacheSize = cacheSize == null ? m.agent.cacheSize : ByteSize.parse(cacheSize);
      m.agent.memorySize = memorySize == null ? m.agent.memorySize : ByteSize.parse(memorySize);
      m.fetchTimeout = fetchTimeout == null ? null : Durations.parse(fetchTimeout);
    } catch (IllegalArgumentException e) {
      throw new NotPlain(); // picocli says what is wrong with the value
    }
    m.registry.insecure.addAll(line.all("--insecure-registry"));
    m.registry.caBundle = path(line.single("--ca-bundle"), null);
    m.registry.hostsDir = path(line.single("--hosts-dir"), m.registry.hostsDir);
    m.noPrefetch = line.flag("--no-prefetch");
    m.noBackgroundFetch = line.flag("--no-background-fetch");
    return m;
  }

  private static UmountCommand umount(Line line) throws NotPlain {
    UmountCommand u = new UmountCommand();
    u.dir = path(line.positionals(1, 1).get(0));
    u.runDir = path(line.single("--run-dir"), u.runDir);
    return u;
  }

  private static StatsCommand stats(Line line) throws NotPlain {
    StatsCommand s = new StatsCommand();
    List<String> positionals = line.positionals(0, 1);
    s.dir = positionals.isEmpty() ? null : path(positionals.get(0));
    s.json = line.flag("--json");
    s.runDir = path(line.single("--run-dir"), s.runDir);
    return s;
  }

  private static Path path(String value, Path absent) throws NotPlain {
    return value == null ? absent : path(value);
  }

  private static Path path(String value) throws NotPlain {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw new NotPlain();
    }
  }

  /** A command line split into its positionals, option values and flags. */
  private record Line(List<String> positionals, Map<String, List<String>> values, Set<String> flags) {
    static Line read(String[] args, Set<String> flagNames, Set<String> valueNames) throws NotPlain {
      List<String> positionals = new ArrayList<>();
      Map<String, List<String>> values = new HashMap<>();
      Set<String> flags = new java.util.HashSet<>();
      for (int i = 1; i < args.length; i++) {
        String a = args[i];
        if (!a.startsWith("-")) {
          positionals.add(a);
          continue;
        }
        int eq = a.indexOf('=');
        String name = eq < 0 ? a : a.substring(0, eq);
        if (eq < 0 && flagNames.contains(name)) {
          if (!flags.add(name)) {
            throw new NotPlain();
          }
        } else if (valueNames.contains(name)) {
          String value;
          if (eq >= 0) {
            value = a.substring(eq + 1);
          } else if (i + 1 < args.length && !args[i + 1].startsWith("-")) {
            value = args[++i];
          } else {
            throw new NotPlain();
          }
          List<String> given = values.computeIfAbsent(name, n -> new ArrayList<>());
          if (!given.isEmpty() && !REPEATABLE.contains(name)) {
            throw new NotPlain();
          }
          given.add(value);
        } else {
          throw new NotPlain(); // --help, --version, --, an unknown option, a value starting with '-'
        }
      }
      return new Line(positionals, values, flags);
    }

    List<String> positionals(int min, int max) throws NotPlain {
      if (positionals.size() < min || positionals.size() > max) {
        throw new NotPlain();
      }
      return positionals;
    }

    String single(String name) {
      List<String> v = values.get(name);
      return v == null ? null : v.get(0);
    }

    List<String> all(String name) {
      return values.getOrDefault(name, List.of());
    }

    boolean flag(String name) {
      return flags.contains(name);
    }
  }
}
