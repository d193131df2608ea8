package dev.lazypull.agent.snapshots;

/** What a snapshot is: a read-only view, a writable active snapshot, or a committed (immutable) layer. */
public enum Kind {
  VIEW(1),
  ACTIVE(2),
  COMMITTED(3);

  private final int code;

  Kind(int code) {
    this.code = code;
  }

  /** The number stored in the database (containerd's own numbering). */
  public int code() {
    return code;
  }

  public static Kind ofCode(int code) {
    for (Kind k : values()) {
      if (k.code == code) {
        return k;
      }
    }
    throw new IllegalArgumentException("no snapshot kind " + code);
  }
}
