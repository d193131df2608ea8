package dev.lazypull.agent.snapshots;

/** A request the snapshotter refuses, with the reason containerd needs to tell the cases apart. */
public final class SnapshotException extends Exception {
  /** containerd's error classes (errdefs) that a snapshotter answers with. */
  public enum Reason {
    NOT_FOUND,
    ALREADY_EXISTS,
    INVALID_ARGUMENT,
    FAILED_PRECONDITION,
    /** Something this node needs is not there now (a registry, a mount): worth retrying. */
    UNAVAILABLE
  }

  private final Reason reason;

  public SnapshotException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public SnapshotException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  public static SnapshotException notFound(String message) {
    return new SnapshotException(Reason.NOT_FOUND, message);
  }

  public static SnapshotException alreadyExists(String message) {
    return new SnapshotException(Reason.ALREADY_EXISTS, message);
  }

  public static SnapshotException invalid(String message) {
    return new SnapshotException(Reason.INVALID_ARGUMENT, message);
  }

  public static SnapshotException precondition(String message) {
    return new SnapshotException(Reason.FAILED_PRECONDITION, message);
  }
}
