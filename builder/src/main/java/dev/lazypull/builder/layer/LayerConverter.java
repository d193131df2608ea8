package dev.lazypull.builder.layer;

import dev.lazypull.builder.ConversionException;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.format.tar.TarFormatException;
import dev.lazypull.format.tar.TarReader;
import dev.lazypull.format.tar.TarRecord;
import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.format.encode.LayerEncoder;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.registry.ImageStore;
import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Converts one source layer into a lazy layer blob on local disk. The layer streams through: the
 * blob is fetched and decompressed on one thread ({@link ReadAheadInputStream}), parsed and fed to
 * the encoder on the caller's, and the encoder compresses frames on its own threads, so memory
 * stays bounded whatever the layer's size.
 */
public final class LayerConverter {
  private static final int READ_AHEAD_BUFFER = 1 << 20;
  private static final int READ_AHEAD_DEPTH = 8;

  private final EncoderOptions options;
  private final Path workDir;
  private final Progress progress;

  public LayerConverter(EncoderOptions options, Path workDir, Progress progress) {
    this.options = options;
    this.workDir = workDir;
    this.progress = progress;
  }

  /**
   * Converts {@code layer} of {@code source}. {@code lower} knows the files of the layers below
   * (for hardlink checks) and learns this layer's when it is done. The caller owns the returned
   * blob file and deletes it when pushed.
   *
   * @throws ConversionException naming the layer (and entry) when the input is malformed
   */
  public ConvertedLayer convert(ImageStore source, Descriptor layer, LowerLayerFiles lower, String label)
      throws IOException {
    String name = layer.digest().toString();
    LayerCompression compression;
    try {
      compression = LayerCompression.ofMediaType(layer.mediaType());
    } catch (IllegalArgumentException e) {
      throw new ConversionException("layer " + name + ": " + e.getMessage());
    }
    long started = System.nanoTime();
    Progress.Task task = progress.start(label, layer.size());
    Path blob = Files.createTempFile(workDir, "lazy-layer-", ".tar.zst");
    // An interrupted conversion (Ctrl-C runs shutdown hooks, not finally blocks) leaves no blob behind.
    blob.toFile().deleteOnExit();
    boolean ok = false;
    try (InputStream raw = source.openBlob(layer.digest());
        CountingStream counted = new CountingStream(raw, task);
        ReadAheadInputStream tar = new ReadAheadInputStream(
            compression.decompress(counted, name), READ_AHEAD_BUFFER, READ_AHEAD_DEPTH, "lazypull-decompress");
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(blob), 1 << 16);
        LayerEncoder encoder = new LayerEncoder(out, options)) {
      TarReader reader = new TarReader(tar, name, lower::contains);
      int entries = 0;
      int files = 0;
      TarRecord r;
      while ((r = reader.next()) != null) {
        encoder.addEntry(r.entry(), r.rawHeader(), r.data(), r.paddedDataLength());
        lower.record(r.entry());
        entries++;
        if (r.entry().classified().type() == EntryType.FILE) {
          files++;
        }
      }
      encoder.finishTar(reader.trailer());
      EncodedLayer encoded = encoder.finish();
      out.flush();
      // The digest of the source blob is verified when its stream ends; gzip may stop short of that.
      counted.transferTo(OutputStream.nullOutputStream());
      lower.layerDone();
      long elapsed = System.nanoTime() - started;
      ConvertedLayer converted = new ConvertedLayer(layer, encoded, blob, entries, files, counted.count, elapsed);
      task.done(String.format(java.util.Locale.ROOT, "%d files, %s -> %s, %d chunks, %.0f MB/s",
          files, Progress.bytes(encoded.uncompressedSize()), Progress.bytes(encoded.compressedSize()),
          encoded.frameCount(), converted.megabytesPerSecond()));
      ok = true;
      return converted;
    } catch (TarFormatException | ConversionException e) {
      throw e;
    } catch (IOException e) {
      throw new ConversionException("layer " + name + ": " + describe(e), e);
    } finally {
      if (!ok) {
        Files.deleteIfExists(blob);
      }
    }
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    if (e instanceof java.io.EOFException || (m != null && m.contains("Unexpected end of ZLIB input"))) {
      return "truncated compressed stream (" + m + ")";
    }
    return m == null ? e.toString() : m;
  }

  /** Counts compressed bytes for progress and reports. */
  private static final class CountingStream extends FilterInputStream {
    private final Progress.Task task;
    private long count;

    CountingStream(InputStream in, Progress.Task task) {
      super(in);
      this.task = task;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
        task.advance(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
        task.advance(n);
      }
      return n;
    }
  }
}
