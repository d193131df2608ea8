package dev.lazypull.format;

/** An image's index would need more memory than its {@link IndexBudget} allows; nothing was mounted. */
public final class IndexTooLargeException extends FormatException {
  private final long limitBytes;

  public IndexTooLargeException(String message, long limitBytes) {
    super(message);
    this.limitBytes = limitBytes;
  }

  public long limitBytes() {
    return limitBytes;
  }
}
