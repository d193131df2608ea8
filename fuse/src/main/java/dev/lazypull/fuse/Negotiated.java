package dev.lazypull.fuse;

/**
 * What INIT settled with the kernel.
 *
 * @param minor       the protocol minor version in use (major is 7)
 * @param maxRead     the largest READ the kernel will send, in bytes (max_pages * page size)
 * @param passthrough whether opens may be handed to the kernel ({@link OpenResult#backingFile})
 */
public record Negotiated(int kernelMinor, int minor, int maxRead, int maxWrite, int maxReadahead,
                         boolean readdirplus, boolean asyncRead, boolean parallelDirops, boolean passthrough) {
}
