package dev.lazypull.builder.inspect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lazypull.oci.Digest;
import java.util.List;
import java.util.Locale;

/** What {@code lazypull inspect} prints: the image (manifest or index) and each image in it. */
public record InspectReport(String reference, Digest digest, String mediaType, List<ImageReport> images) {

  /** A lazy image: every image manifest in it is lazy. */
  public boolean lazy() {
    return !images.isEmpty() && images.stream().allMatch(ImageReport::lazy);
  }

  public String toJson() {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("reference", reference);
    root.put("digest", digest.toString());
    root.put("mediaType", mediaType);
    root.put("lazy", lazy());
    ArrayNode imgs = root.putArray("images");
    for (ImageReport i : images) {
      ObjectNode o = imgs.addObject();
      if (i.platform() != null) {
        o.put("platform", platform(i));
      }
      o.put("manifest", i.manifest().toString());
      o.put("lazy", i.lazy());
      ArrayNode layers = o.putArray("layers");
      for (LayerReport l : i.layers()) {
        ObjectNode lo = layers.addObject();
        lo.put("digest", l.digest().toString());
        lo.put("mediaType", l.mediaType());
        lo.put("lazy", l.lazy());
        putFigures(lo, l.entries(), l.files(), l.chunks(), l.compressedBytes(), l.uncompressedBytes(), l.tocBytes());
      }
      putFigures(o.putObject("total"), i.entries(), i.files(), i.chunks(), i.compressedBytes(), i.uncompressedBytes(),
          i.tocBytes());
    }
    return root.toString();
  }

  private static void putFigures(ObjectNode o, long entries, long files, long chunks, long compressed, long uncompressed,
      long toc) {
    o.put("entries", entries);
    o.put("files", files);
    o.put("chunks", chunks);
    o.put("compressedBytes", compressed);
    o.put("uncompressedBytes", uncompressed);
    o.put("indexBytes", toc);
  }

  /** A table for people. */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append(reference).append('\n');
    sb.append("digest: ").append(digest).append(" (").append(mediaType).append(")\n");
    sb.append("lazy image: ").append(lazy() ? "yes" : "no").append('\n');
    for (ImageReport i : images) {
      sb.append('\n');
      sb.append("image ").append(i.manifest());
      if (i.platform() != null) {
        sb.append(" ").append(platform(i));
      }
      sb.append(i.lazy() ? " (lazy)" : " (not lazy)").append('\n');
      String header = String.format(Locale.ROOT, "  %-19s %-5s %8s %9s %8s %12s %12s %8s %10s%n",
          "layer", "lazy", "entries", "files", "chunks", "compressed", "uncompressed", "ratio", "index");
      sb.append(header);
      for (LayerReport l : i.layers()) {
        sb.append(row(l.digest().toString().substring(0, 19), l.lazy() ? "yes" : "no", l.entries(), l.files(), l.chunks(),
            l.compressedBytes(), l.uncompressedBytes(), l.tocBytes()));
      }
      sb.append(row("total", i.lazy() ? "yes" : "no", i.entries(), i.files(), i.chunks(), i.compressedBytes(),
          i.uncompressedBytes(), i.tocBytes()));
      if (i.tocBytes() > 0 && i.uncompressedBytes() > 0) {
        sb.append(String.format(Locale.ROOT, "  index %.3f%% of uncompressed, %.1f bytes per entry, compressed %.1f%% of uncompressed%n",
            100.0 * i.tocBytes() / i.uncompressedBytes(), (double) i.tocBytes() / Math.max(1, i.entries()),
            100.0 * i.compressedBytes() / i.uncompressedBytes()));
      }
    }
    return sb.toString();
  }

  private static String row(String name, String lazy, long entries, long files, long chunks, long compressed,
      long uncompressed, long toc) {
    String ratio = uncompressed > 0 ? String.format(Locale.ROOT, "%.1f%%", 100.0 * compressed / uncompressed) : "-";
    return String.format(Locale.ROOT, "  %-19s %-5s %8s %9s %8s %12s %12s %8s %10s%n", name, lazy, known(entries),
        known(files), known(chunks), compressed, known(uncompressed), ratio, known(toc));
  }

  private static String known(long v) {
    return v < 0 ? "-" : Long.toString(v);
  }

  private static String platform(ImageReport i) {
    var p = i.platform();
    return p.os() + "/" + p.architecture() + (p.variant() == null ? "" : "/" + p.variant());
  }
}
