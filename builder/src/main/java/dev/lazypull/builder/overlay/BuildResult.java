package dev.lazypull.builder.overlay;

import dev.lazypull.oci.Digest;

/**
 * The outcome of one build. {@code reference} is {@code repository:tag@digest}, what the command
 * prints last. {@code skipped} means the tag existed and nothing was built or pushed. Layer
 * counts: {@code reused} were already lazy (in the base or a remembered conversion), {@code
 * converted} were converted from a non-lazy base in this run, {@code added} is the new layer (0
 * when skipped).
 */
public record BuildResult(
    String reference,
    String tag,
    Digest digest,
    boolean skipped,
    int layersReused,
    int layersConverted,
    int layersAdded,
    long bytesUploaded,
    double seconds) {}
