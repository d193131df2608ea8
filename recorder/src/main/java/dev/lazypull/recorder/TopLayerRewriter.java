package dev.lazypull.recorder;

import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.format.toc.PrefetchList;
import dev.lazypull.format.toc.TocExtensions;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stores a prefetch list in an image: the top layer's blob is written again with the same frames
 * and its TOC frame carrying the list (docs/FORMAT.md 3.4), pushed, and a manifest naming it (new
 * digest, size and TOC annotations; config unchanged, since the tar is) is stored by digest. The
 * old top layer stays in the store until its garbage collection: nothing names it.
 */
public final class TopLayerRewriter {
  private TopLayerRewriter() {}

  public static ManifestBytes withPrefetch(ImageStore target, ManifestBytes manifest, PrefetchList list) throws IOException {
    ImageManifest m = OciJson.parseManifest(manifest.bytes(), manifest.mediaType());
    if (m.layers().isEmpty()) {
      throw new IOException("image " + manifest.digest() + " has no layer to hold a prefetch list");
    }
    Descriptor top = m.layers().getLast();
    TocPointer pointer = LazyAnnotations.tocPointer(top.annotations()).orElseThrow(
        () -> new IOException("top layer " + top.digest() + " of " + manifest.digest() + " is not a lazy layer"));
    Path file = Files.createTempFile("lazypull-recorded-", ".tar.zst");
    try {
      byte[] toc;
      Digest digest;
      long size;
      try (InputStream in = target.openBlob(top.digest()); OutputStream raw = Files.newOutputStream(file)) {
        MessageDigest sha = Digest.newSha256();
        try (DigestOutputStream out = new DigestOutputStream(raw, sha)) {
          long copied = in.transferTo(new BoundedOutputStream(out, pointer.offset()));
          if (copied < pointer.offset()) {
            throw new IOException("top layer " + top.digest() + " ends at " + copied + ", before its TOC at " + pointer.offset());
          }
          // transferTo read to the end, so the store has verified the whole blob's digest.
          toc = TocExtensions.withPrefetch(readToc(target, top, pointer), list);
          out.write(toc);
        }
        digest = Digest.of(sha.digest());
        size = pointer.offset() + toc.length;
      }
      target.putBlob(digest, size, file);
      TocPointer newPointer = new TocPointer(pointer.offset(), toc.length, Digest.sha256(toc));
      Map<String, String> annotations = new LinkedHashMap<>(top.annotations());
      annotations.putAll(newPointer.annotations());
      List<Descriptor> layers = new ArrayList<>(m.layers());
      layers.set(layers.size() - 1, new Descriptor(top.mediaType(), digest, size, annotations, top.platform()));
      byte[] json = m.withLayers(layers).toJson();
      Digest stored = target.putManifest(null, manifest.mediaType(), json);
      return new ManifestBytes(manifest.mediaType(), stored, json);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static byte[] readToc(ImageStore store, Descriptor layer, TocPointer p) throws IOException {
    byte[] toc = store.readBlobRange(layer.digest(), p.offset(), p.length());
    if (!Digest.sha256(toc).equals(p.digest())) {
      throw new IOException("TOC of layer " + layer.digest() + " does not match its pinned digest " + p.digest());
    }
    return toc;
  }

  /** Passes the first {@code limit} bytes on and drops the rest. */
  private static final class BoundedOutputStream extends OutputStream {
    private final OutputStream out;
    private long left;

    BoundedOutputStream(OutputStream out, long limit) {
      this.out = out;
      this.left = limit;
    }

    @Override
    public void write(int b) throws IOException {
      if (left > 0) {
        out.write(b);
        left--;
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      int n = (int) Math.min(len, left);
      if (n > 0) {
        out.write(b, off, n);
        left -= n;
      }
    }
  }
}
