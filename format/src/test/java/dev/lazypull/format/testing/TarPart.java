package dev.lazypull.format.testing;

import dev.lazypull.format.TarEntry;

/** One tar entry as an encoder receives it: metadata, raw header blocks, data with padding. */
public record TarPart(TarEntry entry, byte[] header, byte[] data) {}
