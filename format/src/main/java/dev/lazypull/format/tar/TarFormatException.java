package dev.lazypull.format.tar;

import java.io.IOException;

/**
 * A layer's tar stream is malformed. The message names the layer and, where there is one, the
 * entry, so a user can find the bad input without a debugger.
 */
public final class TarFormatException extends IOException {
  private final String layer;
  private final String entry;

  public TarFormatException(String layer, String entry, String problem) {
    super(describe(layer, entry, problem));
    this.layer = layer;
    this.entry = entry;
  }

  private static String describe(String layer, String entry, String problem) {
    StringBuilder sb = new StringBuilder("malformed tar in layer ").append(layer);
    if (entry != null) {
      sb.append(", entry '").append(entry).append('\'');
    }
    return sb.append(": ").append(problem).toString();
  }

  /** The layer as the user knows it (usually its digest). */
  public String layer() {
    return layer;
  }

  /** The entry's name as far as it could be read, or null when the error is not about one entry. */
  public String entry() {
    return entry;
  }
}
