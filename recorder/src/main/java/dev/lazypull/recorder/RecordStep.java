package dev.lazypull.recorder;

import dev.lazypull.builder.image.BeforeTag;
import dev.lazypull.format.toc.PrefetchList;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * {@code --record}: the step of convert and build between pushing the image and tagging it. It
 * records {@code commands} over the image just pushed and stores the list in its top layer; when a
 * command fails, it throws and the tag is not written.
 */
public final class RecordStep implements BeforeTag {
  /** Long enough for a real start-up on a loaded CI machine, short enough to catch a server that never exits. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  private final List<String> commands;
  private final StartupRecorder recorder;
  private final java.util.function.Consumer<String> log;

  public RecordStep(List<String> commands, Duration timeout, java.util.function.Consumer<String> log) {
    if (commands.isEmpty()) {
      throw new IllegalArgumentException("no command to record");
    }
    this.commands = List.copyOf(commands);
    this.recorder = new StartupRecorder(timeout, log);
    this.log = log;
  }

  @Override
  public ManifestBytes apply(ImageStore target, ManifestBytes manifest) throws IOException {
    PrefetchList list = recorder.record(target, manifest.digest().toString(), commands);
    ManifestBytes recorded = TopLayerRewriter.withPrefetch(target, manifest, list);
    log.accept("top layer rewritten with the prefetch list: manifest " + recorded.digest());
    return recorded;
  }
}
