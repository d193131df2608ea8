package dev.lazypull.builder.overlay;

import dev.lazypull.builder.progress.Progress;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.registry.ImageStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Makes blobs of one store available in another without re-encoding them: nothing when the
 * target has the blob already, a cross-repository mount when both are on one registry, else a
 * copy through a temporary file (verified against its digest on the way).
 */
final class BlobCopier {
  private final ImageStore from;
  private final ImageStore to;
  private final Progress progress;
  private long bytesUploaded;

  BlobCopier(ImageStore from, ImageStore to, Progress progress) {
    this.from = from;
    this.to = to;
    this.progress = progress;
  }

  long bytesUploaded() {
    return bytesUploaded;
  }

  void ensure(Descriptor blob) throws IOException {
    if (to.blobSize(blob.digest()).isPresent()) {
      return;
    }
    if (from != to && to.mountBlob(blob.digest(), from.name())) {
      progress.message("mounted " + blob.digest() + " from " + from.name());
      return;
    }
    Path tmp = Files.createTempFile("lazypull-blob-", ".tmp");
    try {
      try (InputStream in = from.openBlob(blob.digest())) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      progress.message("copying " + blob.digest() + " (" + blob.size() + " bytes) from " + from.name());
      to.putBlob(blob.digest(), blob.size(), tmp);
      bytesUploaded += blob.size();
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
