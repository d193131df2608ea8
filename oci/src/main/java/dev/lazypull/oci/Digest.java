package dev.lazypull.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as OCI writes it ({@code sha256:<64 hex>}). Only SHA-256 is produced; other
 * algorithms are rejected at parse time so that no unverifiable digest enters the system.
 */
public record Digest(String hex) implements Comparable<Digest> {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  public Digest {
    if (hex == null || !HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException("not a sha256 hex digest: " + hex);
    }
  }

  /** Parses {@code sha256:<hex>}. */
  public static Digest parse(String s) {
    if (s == null || !s.startsWith("sha256:")) {
      throw new IllegalArgumentException("unsupported digest (only sha256:<hex> is accepted): " + s);
    }
    return new Digest(s.substring("sha256:".length()));
  }

  public static Digest of(byte[] rawSha256) {
    if (rawSha256.length != 32) {
      throw new IllegalArgumentException("a sha256 is 32 bytes, got " + rawSha256.length);
    }
    return new Digest(HexFormat.of().formatHex(rawSha256));
  }

  /** The digest of {@code bytes}. */
  public static Digest sha256(byte[] bytes) {
    return of(newSha256().digest(bytes));
  }

  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  public byte[] raw() {
    return HexFormat.of().parseHex(hex);
  }

  /** {@code sha256:<hex>}, the form used on the wire and in JSON. */
  @Override
  public String toString() {
    return "sha256:" + hex;
  }

  @Override
  public int compareTo(Digest o) {
    return hex.compareTo(o.hex);
  }
}
