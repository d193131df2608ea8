package dev.lazypull.agent.snapshots;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Checks every key, name and label of a request before it is used. Keys are opaque to the
 * snapshotter (containerd's are {@code NS/SEQ/NAME}, or a bare chain ID) and never become paths;
 * the limits keep a malformed or hostile request from growing the database without bound.
 */
public final class Names {
  /** containerd's own bound on one label (key and value together), labels.Validate. */
  public static final int MAX_LABEL_BYTES = 4096;
  public static final int MAX_KEY_BYTES = 4096;
  public static final int MAX_LABELS = 512;

  private Names() {}

  /** Throws INVALID_ARGUMENT unless {@code key} is a usable snapshot key; {@code what} names it in the message. */
  public static void requireKey(String what, String key) throws SnapshotException {
    if (key == null || key.isEmpty()) {
      throw SnapshotException.invalid(what + " must not be empty");
    }
    requireText(what, key, MAX_KEY_BYTES);
  }

  /** The parent key: empty for none, else a usable key. */
  public static void requireParent(String parent) throws SnapshotException {
    if (parent != null && !parent.isEmpty()) {
      requireKey("parent", parent);
    }
  }

  public static void requireLabels(Map<String, String> labels) throws SnapshotException {
    if (labels.size() > MAX_LABELS) {
      throw SnapshotException.invalid(labels.size() + " labels, more than the " + MAX_LABELS + " a snapshot may carry");
    }
    for (Map.Entry<String, String> e : labels.entrySet()) {
      String k = e.getKey();
      if (k.isEmpty()) {
        throw SnapshotException.invalid("a label has an empty key");
      }
      requireText("label key " + abbreviate(k), k, MAX_LABEL_BYTES);
      requireText("label " + abbreviate(k), e.getValue(), MAX_LABEL_BYTES);
      int bytes = k.getBytes(StandardCharsets.UTF_8).length + e.getValue().getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_LABEL_BYTES) {
        throw SnapshotException.invalid("label " + abbreviate(k) + " is " + bytes + " bytes, over the limit of " + MAX_LABEL_BYTES);
      }
    }
  }

  private static void requireText(String what, String s, int maxBytes) throws SnapshotException {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw SnapshotException.invalid(what + " contains control character 0x" + Integer.toHexString(c) + " at " + i);
      }
      if (Character.isSurrogate(c)) {
        if (!Character.isHighSurrogate(c) || i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          throw SnapshotException.invalid(what + " is not valid UTF-8 (lone surrogate at " + i + ")");
        }
        i++;
      }
    }
    int bytes = s.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxBytes) {
      throw SnapshotException.invalid(what + " is " + bytes + " bytes, over the limit of " + maxBytes);
    }
  }

  /** A value for a message: bounded, so a huge key cannot blow up a log line. */
  public static String abbreviate(String s) {
    String shown = s.length() <= 120 ? s : s.substring(0, 120) + "...";
    return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
  }
}
