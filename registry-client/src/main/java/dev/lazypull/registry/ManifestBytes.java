package dev.lazypull.registry;

import dev.lazypull.oci.Digest;

/**
 * A manifest or index exactly as the store returned it: its bytes are what its digest covers, so
 * they are kept as they are rather than re-serialised.
 */
public record ManifestBytes(String mediaType, Digest digest, byte[] bytes) {}
