package dev.lazypull.builder.tar;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Turns a name from a tar header into the normalised path every later stage uses, and refuses
 * names that would land outside the root. Absolute names are taken relative to the root, as
 * every container runtime does.
 */
final class TarPaths {

  /** Thrown with a description of what is wrong; the reader adds layer and entry. */
  static final class BadPathException extends Exception {
    BadPathException(String message) {
      super(message);
    }
  }

  /**
   * Normalises {@code name}: drops leading {@code /}, empty and {@code .} components, resolves
   * {@code ..} lexically. The root is {@code ""}.
   */
  static String normalise(String name) throws BadPathException {
    if (name.isEmpty()) {
      throw new BadPathException("empty name");
    }
    if (name.indexOf('\0') >= 0) {
      throw new BadPathException("NUL byte in name");
    }
    Deque<String> parts = new ArrayDeque<>();
    for (String part : name.split("/")) {
      switch (part) {
        case "", "." -> {}
        case ".." -> {
          if (parts.isEmpty()) {
            throw new BadPathException("name escapes the root through '..'");
          }
          parts.removeLast();
        }
        default -> parts.addLast(part);
      }
    }
    return String.join("/", parts);
  }

  private TarPaths() {}
}
