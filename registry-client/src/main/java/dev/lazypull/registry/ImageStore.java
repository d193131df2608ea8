package dev.lazypull.registry;

import dev.lazypull.oci.BlobRangeSource;
import dev.lazypull.oci.Deadline;
import dev.lazypull.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One image repository: a repository in an OCI registry, or an OCI image layout directory. The
 * only way lazypull reads or writes images. Every method blocks; call it from a virtual thread
 * where waiting matters. Implementations are thread-safe.
 *
 * <p>Everything fetched by digest is verified against it: a manifest before it is returned, a
 * whole blob when its stream reaches the end (a mismatch throws from {@code read}). Ranges cannot
 * be verified here; their callers verify the chunks they cut out of them.
 */
public interface ImageStore extends BlobRangeSource, AutoCloseable {

  /** The repository's name as the user would write it ({@code host/repo} or {@code oci:DIR}). */
  String name();

  /** A manifest or index by tag or by digest ({@code sha256:...}). */
  ManifestBytes getManifest(String reference) throws IOException;

  /** The digest a tag or digest resolves to, without fetching the body; empty when unknown. */
  Optional<Digest> resolve(String reference) throws IOException;

  /**
   * The whole blob as a stream; digest verified at end of stream. A registry stream that breaks
   * midway is resumed with a Range request from where it stopped.
   */
  InputStream openBlob(Digest digest) throws IOException;

  /**
   * Exactly {@code length} bytes at {@code offset} of the blob (one HTTP Range request; a 206 must
   * carry the asked Content-Range, and a registry that ignores Range and answers 200 is read up to
   * the offset rather than trusted). A range past the end fails with
   * {@link ErrorCode#RANGE_NOT_SATISFIED}.
   */
  byte[] readBlobRange(Digest digest, long offset, int length) throws IOException;

  /**
   * The same, by {@code deadline}: transient failures (connection refused or reset, 5xx, 429, a
   * stalled body) are retried while the next attempt fits before it; permanent ones (404, 403,
   * 416, 401 after one re-authentication) fail at once. The error names the blob, the range and
   * the status.
   */
  default byte[] readBlobRange(Digest digest, long offset, int length, Deadline deadline) throws IOException {
    return readBlobRange(digest, offset, length);
  }

  @Override
  default byte[] read(Digest blob, long offset, int length) throws IOException {
    return readBlobRange(blob, offset, length);
  }

  @Override
  default byte[] read(Digest blob, long offset, int length, Deadline deadline) throws IOException {
    return readBlobRange(blob, offset, length, deadline);
  }

  /** The blob's size when it exists. */
  Optional<Long> blobSize(Digest digest) throws IOException;

  /** Uploads a blob from a file (skips the upload when the blob already exists). */
  void putBlob(Digest digest, long size, Path content) throws IOException;

  /** Uploads a small blob from memory (configs, indexes); skips it when it exists. */
  void putBlob(Digest digest, byte[] content) throws IOException;

  /**
   * Makes a blob of another repository on the same registry available in this one without
   * uploading it. Returns false when the store cannot (other registry, layout, refused).
   */
  boolean mountBlob(Digest digest, String fromRepository) throws IOException;

  /** Stores a manifest or index, under {@code tag} when not null; returns its digest. */
  Digest putManifest(String tag, String mediaType, byte[] bytes) throws IOException;

  List<String> listTags() throws IOException;

  @Override
  void close() throws IOException;
}
