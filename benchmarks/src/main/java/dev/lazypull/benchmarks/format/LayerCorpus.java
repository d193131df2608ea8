package dev.lazypull.benchmarks.format;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.format.encode.LayerEncoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A layer's worth of real bytes for the format benchmarks: the regular files under a few system
 * directories (Python's standard library, /usr/bin, /usr/share: text, bytecode and ELF, as in real
 * images), in walk order, up to {@code limit} bytes of content. Header blocks are opaque to the encoder, so a
 * 512-byte block carrying the path stands in for each tar header. Falls back to seeded
 * half-compressible data on machines without those directories.
 */
final class LayerCorpus {
  static final List<Path> ROOTS =
      List.of(Path.of("/usr/lib/python3.11"), Path.of("/usr/bin"), Path.of("/usr/lib/python3"), Path.of("/usr/share"));

  record Item(TarEntry entry, byte[] header, byte[] data) {}

  final List<Item> items = new ArrayList<>();
  long tarBytes;

  static LayerCorpus load(long limit) throws IOException {
    return load(limit, Integer.MAX_VALUE);
  }

  /** Like {@link #load(long)}, keeping at most {@code maxFileBytes} of each file (many entries, little data). */
  static LayerCorpus load(long limit, int maxFileBytes) throws IOException {
    LayerCorpus c = new LayerCorpus();
    for (Path root : ROOTS) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
          if (c.tarBytes >= limit) {
            return c;
          }
          if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.isReadable(p)) {
            byte[] content = Files.readAllBytes(p);
            long keep = Math.min(maxFileBytes, limit - c.tarBytes);
            content = content.length > keep ? java.util.Arrays.copyOf(content, (int) keep) : content;
            c.add(p.toString().substring(1), content);
          }
        }
      }
    }
    Random random = new Random(42);
    for (int i = 0; c.tarBytes < limit; i++) {
      byte[] content = new byte[1 + random.nextInt(200_000)];
      for (int j = 0; j < content.length; j += 2) {
        content[j] = (byte) random.nextInt();
      }
      c.add("synthetic/f" + i, content);
    }
    return c;
  }

  private void add(String path, byte[] content) {
    TarEntry entry = new TarEntry(path, EntryType.FILE, 0644, 0, 0, content.length, 1_700_000_000L, 0, null, 0, 0, Map.of());
    byte[] header = new byte[512];
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(name, 0, header, 0, Math.min(100, name.length));
    byte[] data = new byte[(content.length + 511) / 512 * 512];
    System.arraycopy(content, 0, data, 0, content.length);
    items.add(new Item(entry, header, data));
    tarBytes += header.length + data.length;
  }

  EncodedLayer encode(EncoderOptions options, OutputStream out) {
    try (LayerEncoder encoder = new LayerEncoder(out, options)) {
      for (Item item : items) {
        encoder.addEntry(item.entry(), item.header(), new ByteArrayInputStream(item.data()), item.data().length);
      }
      encoder.finishTar(new byte[1024]);
      return encoder.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
