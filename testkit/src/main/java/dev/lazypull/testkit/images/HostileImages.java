package dev.lazypull.testkit.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Lazy images as a hostile author would publish them: an image of an OCI layout whose layer TOC
 * (docs/FORMAT.md, section 3) is replaced by other bytes, with everything re-pinned so that every
 * digest is correct: the layer blob becomes its frames followed by the new TOC, the layer
 * descriptor gets the blob's new digest and size and the TOC's new length and digest, and the
 * manifest is written anew under another tag. The config (diff_ids) is kept: the tar is unchanged.
 */
public final class HostileImages {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOC_OFFSET = "dev.lazypull.toc.offset";
  private static final String TOC_LENGTH = "dev.lazypull.toc.length";
  private static final String TOC_DIGEST = "dev.lazypull.toc.digest";

  private HostileImages() {}

  /** The TOC frame of layer {@code layer} (0 = lowest) of the lazy image {@code layout:tag}. */
  public static byte[] tocFrame(Path layout, String tag, int layer) throws IOException {
    ObjectNode d = layerDescriptor(manifest(layout, tag), layer);
    byte[] blob = Files.readAllBytes(blobFile(layout, d.get("digest").asText()));
    int offset = Integer.parseInt(d.get("annotations").get(TOC_OFFSET).asText());
    return Arrays.copyOfRange(blob, offset, blob.length);
  }

  /**
   * Writes {@code layout:newTag}: {@code layout:tag} with the TOC of layer {@code layer} replaced by
   * {@code toc}, correctly pinned. Returns the new manifest's digest.
   */
  public static String withToc(Path layout, String tag, String newTag, int layer, byte[] toc) throws IOException {
    ObjectNode manifest = manifest(layout, tag);
    ObjectNode d = layerDescriptor(manifest, layer);
    byte[] blob = Files.readAllBytes(blobFile(layout, d.get("digest").asText()));
    int offset = Integer.parseInt(d.get("annotations").get(TOC_OFFSET).asText());
    byte[] hostile = Arrays.copyOf(blob, offset + toc.length);
    System.arraycopy(toc, 0, hostile, offset, toc.length);
    TestLayout.Descriptor written = TestLayout.writeBlob(layout, hostile, d.get("mediaType").asText());
    d.put("digest", written.digest());
    d.put("size", written.size());
    ObjectNode annotations = (ObjectNode) d.get("annotations");
    annotations.put(TOC_LENGTH, Integer.toString(toc.length));
    annotations.put(TOC_DIGEST, TestLayout.sha256(toc));
    TestLayout.Descriptor m = TestLayout.writeBlob(layout, JSON.writeValueAsBytes(manifest), manifest.get("mediaType").asText());
    TestLayout.tag(layout, newTag, m);
    return m.digest();
  }

  private static ObjectNode manifest(Path layout, String tag) throws IOException {
    for (var entry : JSON.readTree(layout.resolve("index.json").toFile()).get("manifests")) {
      if (tag.equals(entry.path("annotations").path("org.opencontainers.image.ref.name").asText(null))) {
        return (ObjectNode) JSON.readTree(blobFile(layout, entry.get("digest").asText()).toFile());
      }
    }
    throw new IOException("no tag " + tag + " in " + layout);
  }

  private static ObjectNode layerDescriptor(ObjectNode manifest, int layer) throws IOException {
    ObjectNode d = (ObjectNode) manifest.get("layers").get(layer);
    if (d == null || !d.path("annotations").has(TOC_OFFSET)) {
      throw new IOException("layer " + layer + " of the manifest is no lazy layer");
    }
    return d;
  }

  private static Path blobFile(Path layout, String digest) {
    return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }
}
