package dev.lazypull.builder.overlay;

/**
 * The user's input to {@code lazypull build} is wrong: a bad option, spec file, source file or
 * base image. The message names what is wrong and where, and is meant to be shown as it is.
 */
public final class BuildInputException extends RuntimeException {
  public BuildInputException(String message) {
    super(message);
  }

  public BuildInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
