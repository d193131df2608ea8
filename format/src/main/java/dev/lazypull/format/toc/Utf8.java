package dev.lazypull.format.toc;

import dev.lazypull.format.FormatException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding: a TOC with malformed names is rejected, not silently repaired. */
final class Utf8 {
  /** {@code context} names the TOC (its layer), {@code field} what is decoded; both only for the error. */
  static String decode(byte[] b, int off, int len, String context, String field) throws FormatException {
    if (isAscii(b, off, len)) { // nearly every name in an image: skip the decoder's allocations
      return new String(b, off, len, StandardCharsets.US_ASCII);
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, off, len))
          .toString();
    } catch (CharacterCodingException e) {
      throw new FormatException(context + ": " + field + " is not valid UTF-8", e);
    }
  }

  private static boolean isAscii(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] < 0) {
        return false;
      }
    }
    return true;
  }

  private Utf8() {}
}
