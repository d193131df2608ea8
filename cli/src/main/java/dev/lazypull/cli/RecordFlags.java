package dev.lazypull.cli;

import dev.lazypull.builder.image.BeforeTag;
import dev.lazypull.cli.mount.Durations;
import dev.lazypull.recorder.RecordStep;
import dev.lazypull.recorder.StartupRecorder;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --record} and its time limit, shared by convert and build (a picocli mixin). */
public final class RecordFlags {
  /** What a bare {@code --record} stands for: the image's own entrypoint and cmd. */
  static final String IMAGE_COMMAND = "@entrypoint";

  @Option(names = "--record", paramLabel = "CMD", arity = "0..1", fallbackValue = IMAGE_COMMAND,
      description = "Run CMD (through /bin/sh -c; without CMD, the image's entrypoint and cmd) in a sandbox over the "
          + "new image before tagging it, and store the chunks it reads as the image's start-up prefetch list. "
          + "Repeatable: the commands run one after the other. A failing command fails the step; nothing is tagged.")
  List<String> commands = new ArrayList<>();

  @Option(names = "--record-timeout", paramLabel = "DURATION", defaultValue = "5m", converter = Durations.Converter.class,
      description = "Time limit of each recorded command (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  boolean enabled() {
    return !commands.isEmpty();
  }

  /** The commands as the recorder takes them (a bare --record as the image's command). */
  List<String> recorderCommands() {
    return commands.stream().map(c -> c.equals(IMAGE_COMMAND) ? StartupRecorder.IMAGE_COMMAND : c).toList();
  }

  BeforeTag step(PrintWriter err) {
    return step(recorderCommands(), err);
  }

  /** The step recording {@code commands} ({@link StartupRecorder#IMAGE_COMMAND} for the image's own) with this time limit. */
  BeforeTag step(List<String> commands, PrintWriter err) {
    if (commands.isEmpty()) {
      return BeforeTag.NONE;
    }
    return new RecordStep(commands, timeout, line -> {
      err.println(line);
      err.flush();
    });
  }
}
