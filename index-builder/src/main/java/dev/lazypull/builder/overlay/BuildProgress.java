package dev.lazypull.builder.overlay;

/**
 * What a build reports while it runs. The CLI draws progress bars on a terminal and prints plain
 * lines otherwise; tests collect the events. Called from the building thread only.
 */
public interface BuildProgress {
  /** A step starts or ends (one line of plain output). */
  void step(String message);

  /** {@code done} of {@code total} bytes of {@code what} are through (encoded or uploaded). */
  default void bytes(String what, long done, long total) {}

  BuildProgress SILENT = message -> {};
}
