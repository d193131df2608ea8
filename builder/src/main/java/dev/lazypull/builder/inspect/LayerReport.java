package dev.lazypull.builder.inspect;

import dev.lazypull.oci.Digest;

/**
 * One layer as {@code inspect} shows it. For a layer that is not lazy only the descriptor's
 * figures are known (no TOC to read): {@code entries}, {@code files}, {@code chunks},
 * {@code uncompressedBytes} and {@code tocBytes} are then -1.
 *
 * @param chunks zstd frames of the layer, the units a node fetches
 * @param tocBytes size of the layer's table of contents (the index part a node fetches at mount)
 */
public record LayerReport(
    Digest digest,
    String mediaType,
    long compressedBytes,
    boolean lazy,
    int entries,
    int files,
    int chunks,
    long uncompressedBytes,
    int tocBytes) {}
