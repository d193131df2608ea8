package dev.lazypull.registry.layout;

import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageIndex;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.RegistryException;
import dev.lazypull.registry.VerifyingInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An OCI image layout directory ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/}) as
 * an {@link ImageStore}. Tags are the {@code org.opencontainers.image.ref.name} annotations of
 * index.json entries, as skopeo and umoci write them. Every file is written to a temporary file
 * and renamed into place, blobs first and index.json last, so a reader never sees a half-written
 * blob or an index naming a missing one. Writers in one JVM are serialised; concurrent writers in
 * other processes are not coordinated (last index.json wins).
 *
 * <p>A null or empty reference names the layout's only manifest, for {@code oci:DIR} without tag.
 */
public final class OciLayoutStore implements ImageStore {
  public static final String REF_NAME = "org.opencontainers.image.ref.name";
  private static final byte[] LAYOUT_FILE = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private final Path dir;
  private final Object indexLock = new Object();

  private OciLayoutStore(Path dir) {
    this.dir = dir;
  }

  /** Opens an existing layout; fails with a clear error when {@code dir} is not one. */
  public static OciLayoutStore open(Path dir) throws IOException {
    if (!Files.isRegularFile(dir.resolve("oci-layout"))) {
      throw new RegistryException(ErrorCode.NAME_UNKNOWN, "oci:" + dir, dir + " is not an OCI image layout (no oci-layout file)");
    }
    return new OciLayoutStore(dir);
  }

  /** Opens a layout, creating an empty one (directory, oci-layout, index.json) when absent. */
  public static OciLayoutStore openOrCreate(Path dir) throws IOException {
    OciLayoutStore store = new OciLayoutStore(dir);
    store.ensureLayout();
    return store;
  }

  /**
   * A layout at {@code dir} that is created by the first write: reading a directory that is not a
   * layout fails naming it, and a mistyped source path leaves nothing behind.
   */
  public static OciLayoutStore at(Path dir) {
    return new OciLayoutStore(dir);
  }

  private void ensureLayout() throws IOException {
    Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
    if (!Files.exists(dir.resolve("oci-layout"))) {
      writeAtomically(dir.resolve("oci-layout"), LAYOUT_FILE);
    }
    if (!Files.exists(dir.resolve("index.json"))) {
      writeAtomically(dir.resolve("index.json"), ImageIndex.oci(List.of()).toJson());
    }
  }

  public Path directory() {
    return dir;
  }

  @Override
  public String name() {
    return "oci:" + dir;
  }

  /** The layout's index.json. */
  public ImageIndex index() throws IOException {
    Path file = dir.resolve("index.json");
    byte[] json;
    try {
      json = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      // Not written yet: no manifests, no tags (as a registry's unknown repository).
      return ImageIndex.oci(List.of());
    }
    try {
      return OciJson.parseIndex(json);
    } catch (IllegalArgumentException e) {
      throw new RegistryException(ErrorCode.INVALID_CONTENT, name(), file + ": " + e.getMessage());
    }
  }

  @Override
  public ManifestBytes getManifest(String reference) throws IOException {
    if (!Files.isRegularFile(dir.resolve("oci-layout"))) {
      throw new RegistryException(ErrorCode.NAME_UNKNOWN, name(), dir + " is not an OCI image layout (no oci-layout file)");
    }
    Descriptor d = find(reference).orElseThrow(() -> unknown(reference));
    byte[] bytes = readVerified(d.digest());
    String mediaType = d.mediaType() != null ? d.mediaType() : detect(bytes);
    return new ManifestBytes(mediaType, d.digest(), bytes);
  }

  @Override
  public Optional<Digest> resolve(String reference) throws IOException {
    return find(reference).map(Descriptor::digest);
  }

  private Optional<Descriptor> find(String reference) throws IOException {
    if (reference != null && reference.startsWith("sha256:")) {
      Digest digest = parseDigest(reference);
      Path blob = blobPath(digest);
      if (!Files.isRegularFile(blob)) {
        return Optional.empty();
      }
      Optional<Descriptor> listed = index().manifests().stream().filter(d -> d.digest().equals(digest)).findFirst();
      if (listed.isPresent()) {
        return listed;
      }
      byte[] bytes = readVerified(digest);
      return Optional.of(new Descriptor(detect(bytes), digest, bytes.length));
    }
    List<Descriptor> entries = index().manifests();
    if (reference == null || reference.isEmpty()) {
      if (entries.size() == 1) {
        return Optional.of(entries.getFirst());
      }
      throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, name(),
          "the layout holds " + entries.size() + " manifests; name one with oci:DIR:TAG");
    }
    return entries.stream().filter(d -> reference.equals(d.annotations().get(REF_NAME))).findFirst();
  }

  @Override
  public InputStream openBlob(Digest digest) throws IOException {
    Path blob = blobPath(digest);
    try {
      return new VerifyingInputStream(Files.newInputStream(blob), digest, Files.size(blob), name());
    } catch (NoSuchFileException e) {
      throw blobUnknown(digest);
    }
  }

  @Override
  public byte[] readBlobRange(Digest digest, long offset, int length) throws IOException {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative range " + offset + "+" + length);
    }
    try (FileChannel ch = FileChannel.open(blobPath(digest), StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(length);
      long pos = offset;
      while (buf.hasRemaining()) {
        int n = ch.read(buf, pos);
        if (n < 0) {
          throw new EOFException("blob " + digest + " in " + name() + " ends before " + (offset + length) + " (size " + ch.size() + ")");
        }
        pos += n;
      }
      return buf.array();
    } catch (NoSuchFileException e) {
      throw blobUnknown(digest);
    }
  }

  @Override
  public Optional<Long> blobSize(Digest digest) throws IOException {
    try {
      return Optional.of(Files.size(blobPath(digest)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public void putBlob(Digest digest, long size, Path content) throws IOException {
    if (Files.isRegularFile(blobPath(digest))) {
      return;
    }
    try (InputStream in = Files.newInputStream(content)) {
      writeBlob(digest, size, in);
    }
  }

  @Override
  public void putBlob(Digest digest, byte[] content) throws IOException {
    if (Files.isRegularFile(blobPath(digest))) {
      return;
    }
    writeBlob(digest, content.length, new java.io.ByteArrayInputStream(content));
  }

  @Override
  public boolean mountBlob(Digest digest, String fromRepository) {
    return false;
  }

  @Override
  public Digest putManifest(String tag, String mediaType, byte[] bytes) throws IOException {
    if (!MediaTypes.isManifest(mediaType) && !MediaTypes.isIndex(mediaType)) {
      throw new IllegalArgumentException("not a manifest or index media type: " + mediaType);
    }
    Digest digest = Digest.sha256(bytes);
    putBlob(digest, bytes);
    synchronized (indexLock) {
      ImageIndex index = index();
      List<Descriptor> entries = new ArrayList<>();
      boolean present = false;
      for (Descriptor d : index.manifests()) {
        String name = d.annotations().get(REF_NAME);
        if (tag != null && tag.equals(name)) {
          continue; // the tag moves to the new manifest
        }
        if (tag == null && name == null && d.digest().equals(digest)) {
          present = true;
        }
        entries.add(d);
      }
      if (!present) {
        Map<String, String> annotations = new LinkedHashMap<>();
        if (tag != null) {
          annotations.put(REF_NAME, tag);
        }
        entries.add(new Descriptor(mediaType, digest, bytes.length, annotations, null));
      }
      writeAtomically(dir.resolve("index.json"), new ImageIndex(index.mediaType(), entries, index.annotations()).toJson());
    }
    return digest;
  }

  @Override
  public List<String> listTags() throws IOException {
    return index().manifests().stream().map(d -> d.annotations().get(REF_NAME)).filter(t -> t != null).toList();
  }

  @Override
  public void close() {}

  private void writeBlob(Digest digest, long size, InputStream in) throws IOException {
    ensureLayout();
    Path target = blobPath(digest);
    Path tmp = Files.createTempFile(target.getParent(), ".upload-", ".tmp");
    try {
      MessageDigest sha = Digest.newSha256();
      long written;
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
        written = in.transferTo(out);
      }
      Digest actual = Digest.of(sha.digest());
      if (!actual.equals(digest) || written != size) {
        throw new RegistryException(ErrorCode.DIGEST_INVALID, name(),
            "content given as " + digest + " (" + size + " bytes) is " + actual + " (" + written + " bytes)");
      }
      move(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + "-", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      move(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename atomically into " + target, e);
    }
  }

  private byte[] readVerified(Digest digest) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(blobPath(digest));
    } catch (NoSuchFileException e) {
      throw blobUnknown(digest);
    }
    Digest actual = Digest.sha256(bytes);
    if (!actual.equals(digest)) {
      throw new RegistryException(ErrorCode.DIGEST_MISMATCH, name(), "blob file " + digest + " has digest " + actual);
    }
    return bytes;
  }

  private String detect(byte[] bytes) throws RegistryException {
    try {
      return OciJson.detectMediaType(bytes);
    } catch (IllegalArgumentException e) {
      throw new RegistryException(ErrorCode.INVALID_CONTENT, name(), e.getMessage());
    }
  }

  private Digest parseDigest(String reference) {
    try {
      return Digest.parse(reference);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid digest reference '" + reference + "' for " + name(), e);
    }
  }

  private Path blobPath(Digest digest) {
    // Digest admits 64 lowercase hex characters only, so the name cannot leave blobs/sha256.
    return dir.resolve("blobs").resolve("sha256").resolve(digest.hex());
  }

  private RegistryException unknown(String reference) {
    return new RegistryException(ErrorCode.MANIFEST_UNKNOWN, name() + (reference == null ? "" : ":" + reference),
        "no manifest named '" + reference + "' in the layout");
  }

  private RegistryException blobUnknown(Digest digest) {
    return new RegistryException(ErrorCode.BLOB_UNKNOWN, name(), "no blob " + digest + " in the layout");
  }
}
