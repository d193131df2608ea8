package dev.lazypull.cli;

import dev.lazypull.builder.image.ConversionResult;
import dev.lazypull.builder.image.ConvertOptions;
import dev.lazypull.builder.image.ImageConverter;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.cli.progress.ConsoleProgress;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.oci.Platform;
import dev.lazypull.registry.ImageRef;
import dev.lazypull.registry.ImageStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lazypull convert SRC DST}: an OCI or Docker image into a lazy image. */
@Command(
    name = "convert",
    header = "Convert an OCI image into a lazy image (seekable tar+zstd layers with a table of contents).",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Converts an image into a lazy image: every layer re-encoded as seekable tar+zstd (still pulled",
      "the normal way by docker, containerd and podman) with its table of contents, the manifest marked lazy.",
      "SRC and DST are registry references (host/repo:tag) or OCI layouts (oci:DIR[:TAG]).",
      "An index is converted platform by platform and rebuilt. DST's tag is written last, after every",
      "blob is pushed and verified: a failed conversion leaves DST as it was. The same input and options",
      "always give the same digests. The last line on stdout is DST@sha256:...",
    })
public final class ConvertCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SRC", description = "The image to convert.")
  String source;

  @Parameters(index = "1", paramLabel = "DST", description = "Where the lazy image goes (a tag, not a digest).")
  String target;

  @Option(names = "--chunk-size", paramLabel = "SIZE", description = {
      "Average chunk of large files, content-defined (FastCDC); a power of two. Min and max chunk",
      "default to a quarter and four times it. Smaller chunks fetch less per read, grow the index.",
      "Default: ${DEFAULT-VALUE}."}, defaultValue = "256K")
  String chunkSize;

  @Option(names = "--min-chunk", paramLabel = "SIZE", description = "Smallest content-defined chunk (default: chunk size / 4).")
  String minChunk;

  @Option(names = "--max-chunk", paramLabel = "SIZE", description = "Largest content-defined chunk (default: chunk size * 4).")
  String maxChunk;

  @Option(names = "--group-size", paramLabel = "SIZE", description = {
      "Small files and tar headers are grouped into frames of about this size, and files from this size",
      "up are chunked by content. Default: ${DEFAULT-VALUE}."}, defaultValue = "64K")
  String groupSize;

  @Option(names = "--level", paramLabel = "N", description = "zstd compression level, 1 (fast) to 22. Default: ${DEFAULT-VALUE}.",
      defaultValue = "3")
  int level;

  @Option(names = "--threads", paramLabel = "N", description = "Compression threads. Default: the number of cores.")
  Integer threads;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
      description = "Convert only this platform of an index; the result is a single manifest.")
  String platform;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where a converted layer waits until it is pushed (one layer at a time). Default: the temp directory.")
  Path workDir;

  @Mixin RegistryFlags registry;

  @Mixin RecordFlags record;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ImageRef src;
    ImageRef dst;
    ConvertOptions options;
    String tag;
    try {
      src = ImageRef.parse(source);
      dst = ImageRef.parse(target);
      tag = targetTag(dst);
      options = options();
    } catch (IllegalArgumentException e) {
      err.println("lazypull convert: " + e.getMessage());
      return 2;
    }
    try (ImageStore from = registry.openSource(src);
        ImageStore to = registry.openTarget(dst)) {
      ConversionResult result =
          new ImageConverter(from, to, options, ConsoleProgress.on(err), record.step(err)).convert(src.reference(), tag);
      err.println(summary(result));
      err.flush();
      out.println(withTag(dst, tag) + "@" + result.digest());
      out.flush();
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      err.println("lazypull convert: " + e.getMessage());
      err.println("lazypull convert: nothing was tagged in " + target);
      return 1;
    } catch (RuntimeException e) {
      err.println("lazypull convert: internal error (please report): " + e);
      err.println("lazypull convert: nothing was tagged in " + target);
      return 1;
    }
  }

  ConvertOptions options() {
    int avg = ByteSize.toInt(chunkSize, "--chunk-size");
    int min = minChunk == null ? avg / 4 : ByteSize.toInt(minChunk, "--min-chunk");
    int max = maxChunk == null ? avg * 4 : ByteSize.toInt(maxChunk, "--max-chunk");
    int group = ByteSize.toInt(groupSize, "--group-size");
    EncoderOptions e = EncoderOptions.defaults().withLevel(level).withChunkSizes(min, avg, max).withGrouping(group, group);
    if (threads != null) {
      e = e.withThreads(threads);
    }
    ConvertOptions o = ConvertOptions.defaults().withEncoder(e);
    if (platform != null) {
      o = o.withPlatform(parsePlatform(platform));
    } else if (record != null && record.enabled()) {
      o = o.withPlatform(Platform.current()); // a start-up is recorded on this machine's platform
    }
    if (workDir != null) {
      if (!Files.isDirectory(workDir)) {
        throw new IllegalArgumentException("--work-dir " + workDir + " is not a directory");
      }
      o = o.withWorkDir(workDir);
    }
    return o;
  }

  static Platform parsePlatform(String s) {
    String[] parts = s.split("/");
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException("--platform '" + s + "' is not OS/ARCH[/VARIANT], e.g. linux/amd64");
    }
    return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
  }

  /** The tag DST names; a digest cannot be a destination (the digest is an output). */
  static String targetTag(ImageRef dst) {
    return switch (dst) {
      case ImageRef.RegistryRef r -> {
        if (r.digest() != null) {
          throw new IllegalArgumentException("DST " + r + " names a digest; give a tag (the digest is what convert prints)");
        }
        yield r.tag();
      }
      case ImageRef.LayoutRef l -> l.tag() == null ? ImageRef.DEFAULT_TAG : l.tag();
    };
  }

  private static String withTag(ImageRef dst, String tag) {
    return switch (dst) {
      case ImageRef.RegistryRef r -> r.withTag(tag).toString();
      case ImageRef.LayoutRef l -> new ImageRef.LayoutRef(l.directory(), tag).toString();
    };
  }

  private static String summary(ConversionResult r) {
    long in = 0;
    long out = 0;
    long nanos = 0;
    int frames = 0;
    for (ConversionResult.Image i : r.images()) {
      in += i.uncompressedBytes();
      nanos += i.elapsedNanos();
      for (var l : i.layers()) {
        out += l.encoded().compressedSize();
        frames += l.encoded().frameCount();
      }
    }
    return String.format(Locale.ROOT, "converted %d layers: %s uncompressed -> %s lazy, %d chunks, %.0f MB/s",
        r.layersConverted(), Progress.bytes(in), Progress.bytes(out), frames, in / 1e6 / Math.max(1e-9, nanos / 1e9));
  }
}
