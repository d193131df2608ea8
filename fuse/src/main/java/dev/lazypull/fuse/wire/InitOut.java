package dev.lazypull.fuse.wire;

/** struct fuse_init_out (64 bytes): what the server settles on. {@code flags} joins flags and flags2. */
public record InitOut(int major, int minor, int maxReadahead, long flags, int maxBackground,
                      int congestionThreshold, int maxWrite, int timeGran, int maxPages, int maxStackDepth) {
}
