package dev.lazypull.lazyfs.fetch;

/**
 * Who waits for a lookup: a reader (foreground); a reader about to (prefetch: the image's recorded
 * start-up list, which takes request slots like reads but is no demand miss); or nobody yet
 * (background, such as the background fetch of the rest of an image).
 */
public enum Priority {
  FOREGROUND,
  PREFETCH,
  BACKGROUND
}
