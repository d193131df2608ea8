package dev.lazypull.registry.hosts;

import java.util.Locale;

/**
 * What a registry host may be asked, as containerd's hosts.toml names it. Resolving a tag is a
 * trusted operation (a mirror that lies about a tag serves another image); pulling by digest is
 * not, since every byte fetched by digest is verified.
 */
public enum HostCapability {
  /** Manifests and blobs by digest. */
  PULL,
  /** Manifests by tag, tag to digest. */
  RESOLVE,
  /** Uploads of blobs and manifests. */
  PUSH;

  static HostCapability parse(String name, String where) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "pull" -> PULL;
      case "resolve" -> RESOLVE;
      case "push" -> PUSH;
      default -> throw new IllegalArgumentException(where + ": unknown capability '" + name + "' (pull, resolve, push)");
    };
  }
}
