package dev.lazypull.registry.remote;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a registry redirected its blobs (a CDN's signed URL), per blob URL, so that the next range
 * of the blob goes straight there: one round trip per range instead of two. A target is kept until
 * it fails (the caller {@link #forget}s it on 401/403/404/410 or a broken connection) or until
 * the expiry its URL states, whichever comes first; then the registry is asked again. Bounded (the
 * least recently used blob goes first); thread-safe. The URLs are credentials of a sort (signed):
 * they are never logged.
 */
final class RedirectMemory {
  private static final int MAX_BLOBS = 4096;
  /** Asked again this long before the stated expiry, so a request in flight does not outlive it. */
  private static final Duration EARLY = Duration.ofSeconds(30);
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  private record Target(URI uri, Instant expires) {}

  private final Map<URI, Target> targets = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<URI, Target> eldest) {
      return size() > MAX_BLOBS;
    }
  };

  /** The remembered target of {@code blobUrl}, or null. */
  synchronized URI lookup(URI blobUrl, Instant now) {
    Target t = targets.get(blobUrl);
    if (t == null) {
      return null;
    }
    if (t.expires() != null && !now.isBefore(t.expires())) {
      targets.remove(blobUrl);
      return null;
    }
    return t.uri();
  }

  synchronized void remember(URI blobUrl, URI target, Instant now) {
    Instant stated = statedExpiry(target);
    Instant expires = stated == null ? null : stated.minus(EARLY);
    if (expires == null || now.isBefore(expires)) {
      targets.put(blobUrl, new Target(target, expires));
    }
  }

  /** Drops {@code target} for {@code blobUrl}, unless another reader has already replaced it. */
  synchronized void forget(URI blobUrl, URI target) {
    Target t = targets.get(blobUrl);
    if (t != null && t.uri().equals(target)) {
      targets.remove(blobUrl);
    }
  }

  /**
   * The expiry a signed URL states, or null: S3 ({@code X-Amz-Date} + {@code X-Amz-Expires}),
   * GCS ({@code X-Goog-Date} + {@code X-Goog-Expires}), CloudFront and S3/GCS v2 ({@code Expires},
   * epoch seconds), Azure SAS ({@code se}, ISO time). An unreadable value counts as none.
   */
  static Instant statedExpiry(URI target) {
    Map<String, String> q = query(target);
    try {
      for (String prefix : new String[] {"x-amz-", "x-goog-"}) {
        String date = q.get(prefix + "date");
        String seconds = q.get(prefix + "expires");
        if (date != null && seconds != null) {
          return LocalDateTime.parse(date, AMZ_DATE).toInstant(ZoneOffset.UTC).plusSeconds(Long.parseLong(seconds));
        }
      }
      if (q.get("expires") != null) {
        return Instant.ofEpochSecond(Long.parseLong(q.get("expires")));
      }
      if (q.get("se") != null) {
        return OffsetDateTime.parse(q.get("se")).toInstant();
      }
    } catch (NumberFormatException | DateTimeParseException e) {
      return null;
    }
    return null;
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> out = new HashMap<>();
    String raw = uri.getRawQuery();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8).toLowerCase(java.util.Locale.ROOT),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
