package dev.lazypull.format.tar;

import java.util.Map;
import java.util.Set;

/**
 * One entry's fields as its archive states them, decoded but not yet judged: the ustar block with
 * the PAX and GNU long-name records that override it. {@link EntryRules} decides what it may be.
 *
 * @param typeflag the ustar type byte, as written
 * @param name the entry's name as written (not normalised)
 * @param linkName the link field (a symlink's target, a hardlink's other name), empty when unset
 * @param paxKeys every PAX key in force for this entry (global and local), so rules can refuse
 *     extensions the format cannot represent
 * @param xattrs extended attributes from {@code SCHILY.xattr.*} and {@code LIBARCHIVE.xattr.*}
 */
record TarHeader(
    byte typeflag,
    String name,
    String linkName,
    long size,
    long uid,
    long gid,
    int mode,
    long mtimeSeconds,
    int mtimeNanos,
    long devMajor,
    long devMinor,
    Set<String> paxKeys,
    Map<String, byte[]> xattrs) {}
