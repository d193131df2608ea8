package dev.lazypull.format;

import dev.lazypull.oci.Digest;

/**
 * Where one chunk of a lazy layer lies: a single zstd frame at {@code compressedOffset} in the
 * layer blob {@code layer}, which decompresses to {@code uncompressedLength} bytes of the layer's
 * tar stream starting at {@code uncompressedOffset}, whose SHA-256 is {@code digest}. The digest
 * names the chunk in every cache, so equal bytes in two images are fetched and stored once.
 */
public record ChunkLocation(
    Digest layer,
    long compressedOffset,
    int compressedLength,
    long uncompressedOffset,
    int uncompressedLength,
    Digest digest) {}
