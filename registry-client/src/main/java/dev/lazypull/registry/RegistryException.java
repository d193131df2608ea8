package dev.lazypull.registry;

/**
 * Every failure of an {@link ImageStore}: the code (the registry's own when it sent one), the
 * registry's message, the reference concerned, the HTTP status (0 when there was no answer), and
 * a hint for what to do. Messages never contain credentials.
 */
public class RegistryException extends java.io.IOException {
  private final ErrorCode code;
  private final String reference;
  private final int httpStatus;
  private final String detail;

  public RegistryException(ErrorCode code, String reference, int httpStatus, String detail, Throwable cause) {
    super(format(code, reference, httpStatus, detail), cause);
    this.code = code;
    this.reference = reference;
    this.httpStatus = httpStatus;
    this.detail = detail;
  }

  public RegistryException(ErrorCode code, String reference, String detail) {
    this(code, reference, 0, detail, null);
  }

  public ErrorCode code() {
    return code;
  }

  public String reference() {
    return reference;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The registry's message, or the client's description of the problem. */
  public String detail() {
    return detail;
  }

  public String hint() {
    return code.hint();
  }

  private static String format(ErrorCode code, String reference, int status, String detail) {
    StringBuilder sb = new StringBuilder().append(code).append(": ");
    sb.append(detail == null || detail.isBlank() ? "(no message)" : detail);
    if (reference != null) {
      sb.append(" [").append(reference).append(']');
    }
    if (status > 0) {
      sb.append(" (HTTP ").append(status).append(')');
    }
    return sb.append(" — ").append(code.hint()).toString();
  }
}
