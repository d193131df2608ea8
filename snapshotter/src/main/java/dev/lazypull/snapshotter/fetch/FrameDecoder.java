package dev.lazypull.snapshotter.fetch;

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

  /** The chunk's verified bytes, or null when the frame is corrupt or does not match its digest. */
  static byte[] decode(ChunkLocation chunk, byte[] src, int srcOffset) {
    if (srcOffset < 0 || srcOffset + chunk.compressedLength() > src.length) {
      return null;
    }
    byte[] out = new byte[chunk.uncompressedLength()];
    try {
      long n = Zstd.decompressByteArray(out, 0, out.length, src, srcOffset, chunk.compressedLength());
      if (Zstd.isError(n) || n != out.length) {
        return null;
      }
    } catch (ZstdException e) {
      return null;
    }
    byte[] sha = Digest.newSha256().digest(out);
    return MessageDigest.isEqual(sha, chunk.digest().raw()) ? out : null;
  }
}
