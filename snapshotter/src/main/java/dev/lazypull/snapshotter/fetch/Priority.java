package dev.lazypull.snapshotter.fetch;

/** Who waits for a lookup: a reader (foreground), or nobody yet (background, such as a prefetcher). */
public enum Priority {
  FOREGROUND,
  BACKGROUND
}
