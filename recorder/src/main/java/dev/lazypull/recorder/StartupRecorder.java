package dev.lazypull.recorder;

import dev.lazypull.format.toc.PrefetchList;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.lazyfs.mount.ImageMount;
import dev.lazypull.lazyfs.mount.MountSettings;
import dev.lazypull.lazyfs.prefetch.AccessRecorder;
import dev.lazypull.lazyfs.prefetch.PrefetchSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Records which chunks commands read at start-up: mounts the lazy image (any store, by digest)
 * with a memory-only cache, no prefetch and an {@link AccessRecorder} on the read path, runs each
 * command in a {@link Sandbox} over the mount, one after the other, and returns the chunks in
 * first-read order. A command that exits non-zero or outlives the time limit fails the recording
 * with its status and last output lines.
 */
public final class StartupRecorder {
  /** A command given as this runs the image's own entrypoint and cmd. */
  public static final String IMAGE_COMMAND = dev.lazypull.builder.overlay.spec.BuildSpec.RECORD_IMAGE_COMMAND;

  private final Duration timeout;
  private final java.util.function.Consumer<String> log;

  public StartupRecorder(Duration timeout, java.util.function.Consumer<String> log) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("record time limit must be positive: " + timeout);
    }
    this.timeout = timeout;
    this.log = log;
  }

  public PrefetchList record(ImageStore store, String reference, List<String> commands) throws IOException {
    if (commands.isEmpty()) {
      throw new IllegalArgumentException("no command to record");
    }
    Path work = Files.createTempDirectory("lazypull-record-");
    try {
      Path mountPoint = Files.createDirectories(work.resolve("image"));
      MountSettings settings = MountSettings.defaults(null).withPrefetch(PrefetchSettings.off());
      AtomicReference<AccessRecorder> recorder = new AtomicReference<>();
      try (ImageMount mount = ImageMount.open(store, reference, mountPoint, settings, image -> {
        recorder.set(new AccessRecorder(image.index()));
        return recorder.get();
      })) {
        RuntimeConfig config = RuntimeConfig.parse(mount.image().config());
        for (int i = 0; i < commands.size(); i++) {
          List<String> argv = argv(commands.get(i), config);
          long start = System.nanoTime();
          SandboxResult r = Sandbox.run(mountPoint, config, argv, timeout, work.resolve("run-" + i));
          double seconds = (System.nanoTime() - start) / 1e9;
          if (!r.succeeded()) {
            throw new RecordingException("recording " + describe(argv) + " failed: "
                + (r.timedOut() ? "still running after the time limit of " + timeout.toSeconds() + " s"
                    : "exit status " + r.exitStatus())
                + (r.lastLines().isEmpty() ? " (no output)" : "; last output:\n  " + String.join("\n  ", r.lastLines())));
          }
          log.accept(String.format(java.util.Locale.ROOT, "recorded %s: exit 0 in %.1f s, %d files read so far",
              describe(argv), seconds, recorder.get().filesRead()));
        }
        PrefetchList list = recorder.get().list();
        log.accept("prefetch list: " + list.size() + " chunks");
        return list;
      }
    } finally {
      Sandbox.deleteTree(work);
    }
  }

  static List<String> argv(String command, RuntimeConfig config) throws RecordingException {
    if (command.equals(IMAGE_COMMAND)) {
      List<String> argv = config.defaultCommand();
      if (argv.isEmpty()) {
        throw new RecordingException("--record without a command runs the image's entrypoint and cmd, but it has neither");
      }
      return argv;
    }
    return List.of("/bin/sh", "-c", command);
  }

  private static String describe(List<String> argv) {
    return "'" + String.join(" ", argv) + "'";
  }
}
