package dev.lazypull.builder.overlay.layer;

import dev.lazypull.builder.overlay.BuildInputException;
import dev.lazypull.builder.overlay.files.AddedFile;
import dev.lazypull.builder.overlay.tar.TarHeaders;
import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.format.encode.LayerEncoder;
import dev.lazypull.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Writes the added files as one lazy layer: deterministic tar headers ({@link TarHeaders}) fed
 * straight into the format's {@link LayerEncoder}, so the layer is never materialised as a plain
 * tar. Each file is hashed again as it is encoded and must match the digest the build's content
 * hash was computed from; a file that changed in between fails the build rather than producing an
 * image whose tag does not describe it.
 */
public final class AddedLayer {
  private AddedLayer() {}

  /** The bytes of file content in {@code files}, what {@link #encode} reads. */
  public static long contentBytes(List<AddedFile> files) {
    return files.stream().mapToLong(f -> f instanceof AddedFile.RegularFile r ? r.size() : 0).sum();
  }

  /** Encodes {@code files} (sorted, as {@link dev.lazypull.builder.overlay.files.SourceTree} returns them) into {@code out}. */
  public static EncodedLayer encode(List<AddedFile> files, long mtimeSeconds, EncoderOptions options, OutputStream out)
      throws IOException {
    return encode(files, mtimeSeconds, options, out, n -> {});
  }

  /** As above, reporting the bytes of file content read so far to {@code progress}. */
  public static EncodedLayer encode(
      List<AddedFile> files, long mtimeSeconds, EncoderOptions options, OutputStream out, LongConsumer progress)
      throws IOException {
    long done = 0;
    try (LayerEncoder encoder = new LayerEncoder(out, options)) {
      for (AddedFile f : files) {
        switch (f) {
          case AddedFile.Directory d -> {
            TarEntry e = entry(d.path(), EntryType.DIR, d.mode(), 0, mtimeSeconds, null);
            encoder.addEntry(e, TarHeaders.header(d.path(), TarHeaders.Type.DIRECTORY, d.mode(), 0, mtimeSeconds, null),
                InputStream.nullInputStream(), 0);
          }
          case AddedFile.Symlink s -> {
            TarEntry e = entry(s.path(), EntryType.SYMLINK, s.mode(), 0, mtimeSeconds, s.target());
            encoder.addEntry(e, TarHeaders.header(s.path(), TarHeaders.Type.SYMLINK, s.mode(), 0, mtimeSeconds, s.target()),
                InputStream.nullInputStream(), 0);
          }
          case AddedFile.RegularFile r -> {
            addFile(encoder, r, mtimeSeconds);
            done += r.size();
            progress.accept(done);
          }
        }
      }
      encoder.finishTar(TarHeaders.trailer());
      return encoder.finish();
    }
  }

  private static void addFile(LayerEncoder encoder, AddedFile.RegularFile r, long mtime) throws IOException {
    TarEntry e = entry(r.path(), EntryType.FILE, r.mode(), r.size(), mtime, null);
    byte[] header = TarHeaders.header(r.path(), TarHeaders.Type.FILE, r.mode(), r.size(), mtime, null);
    int padding = TarHeaders.padding(r.size());
    MessageDigest sha = Digest.newSha256();
    try (InputStream content = new ExactLengthInputStream(new DigestInputStream(Files.newInputStream(r.source()), sha), r.size(), r.source());
        InputStream data = new SequenceInputStream(content, new ByteArrayInputStream(new byte[padding]))) {
      encoder.addEntry(e, header, data, r.size() + padding);
    } catch (IOException ex) {
      if (ex instanceof ExactLengthInputStream.ChangedException) {
        throw new BuildInputException(ex.getMessage(), ex);
      }
      throw new BuildInputException("cannot read " + r.source() + ": " + ex.getMessage(), ex);
    }
    if (!Digest.of(sha.digest()).equals(r.sha256())) {
      throw new BuildInputException(r.source() + " changed while the image was being built; run the build again");
    }
  }

  private static TarEntry entry(String path, EntryType type, int mode, long size, long mtime, String link) {
    return new TarEntry(path, type, mode, 0, 0, size, mtime, 0, link, 0, 0, Map.of());
  }

  /** Passes exactly {@code length} bytes through, failing when the file turns out shorter or longer. */
  private static final class ExactLengthInputStream extends java.io.FilterInputStream {
    static final class ChangedException extends IOException {
      ChangedException(Path file) {
        super(file + " changed size while the image was being built; run the build again");
      }
    }

    private final Path file;
    private long remaining;

    ExactLengthInputStream(InputStream in, long length, Path file) {
      super(in);
      this.remaining = length;
      this.file = file;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining == 0) {
        if (in.read() >= 0) {
          throw new ChangedException(file);
        }
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw new ChangedException(file);
      }
      remaining -= n;
      return n;
    }
  }
}
