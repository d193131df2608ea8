package dev.lazypull.lazyfs.fetch;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;
import dev.lazypull.format.ChunkLocation;
import dev.lazypull.oci.Digest;
import java.security.MessageDigest;

/**
 * Decompresses one chunk's zstd frame and checks it against the chunk's length and SHA-256. The
 * frame decompresses straight into the array that is then cached and served, so there is no
 * intermediate buffer (and nothing a pool would save).
 */
final class FrameDecoder {
  private FrameDecoder() {}

  /**
   * The chunk's verified bytes, or null when the frame is corrupt or does not match its digest
   * (worth one more fetch: the bytes may have been damaged on the way). Throws when the frame is
   * intact but holds another length than the TOC says: the image itself is wrong, so fetching it
   * again cannot help and the read fails at once.
   */
  static byte[] decode(ChunkLocation chunk, byte[] src, int srcOffset) throws ChunkVerificationException {
    if (srcOffset < 0 || srcOffset + chunk.compressedLength() > src.length) {
      return null;
    }
    long declared = Zstd.getFrameContentSize(src, srcOffset, chunk.compressedLength());
    if (declared >= 0 && declared != chunk.uncompressedLength()) {
      throw wrongLength(chunk, declared);
    }
    byte[] out = new byte[chunk.uncompressedLength()];
    try {
      long n = Zstd.decompressByteArray(out, 0, out.length, src, srcOffset, chunk.compressedLength());
      if (Zstd.isError(n)) {
        return null;
      }
      if (n != out.length) {
        throw wrongLength(chunk, n);
      }
    } catch (ZstdException e) {
      return null;
    }
    byte[] sha = Digest.newSha256().digest(out);
    return MessageDigest.isEqual(sha, chunk.digest().raw()) ? out : null;
  }

  private static ChunkVerificationException wrongLength(ChunkLocation chunk, long actual) {
    return new ChunkVerificationException("chunk " + chunk.digest() + " of layer " + chunk.layer() + " at offset "
        + chunk.compressedOffset() + " holds " + actual + " bytes, but the layer's TOC says " + chunk.uncompressedLength()
        + ": the image is inconsistent; the read fails with EIO");
  }
}
