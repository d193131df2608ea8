package dev.lazypull.registry.hosts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.lazypull.registry.http.TlsSettings;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One containerd {@code hosts.toml}: the hosts that serve one registry namespace, in the order
 * they are tried. Semantics as containerd's docs/hosts.md states them:
 *
 * <ul>
 *   <li>{@code [host."URL"]} tables are tried first, in file order; {@code server} (default: the
 *       namespace's own registry) comes last, as the fallback;
 *   <li>{@code capabilities} default to pull, resolve and push;
 *   <li>{@code /v2} is appended to a URL's path unless {@code override_path = true};
 *   <li>{@code ca} (a path or paths), {@code client} (a path, paths, or [cert, key] pairs; the
 *       first is used), {@code skip_verify} and {@code [header]} apply per host; the top-level
 *       ones apply to {@code server}. Relative paths are relative to the file's directory.
 * </ul>
 *
 * Fields this client does not act on ({@code dial_timeout}, {@code proxy}) are ignored; a field of
 * the wrong type is an error naming the file and the field.
 */
public final class HostsFile {
  private static final TomlMapper TOML = new TomlMapper();

  private HostsFile() {}

  /**
   * The hosts for {@code registry} configured by {@code file}, mirrors first, the server last.
   *
   * @param registry the namespace ({@code host[:port]}), for the {@code ns} mark of mirrors
   * @param base TLS settings every host starts from (the global CA bundle)
   */
  public static List<RegistryHost> parse(Path file, String registry, TlsSettings base) throws IOException {
    JsonNode root;
    try {
      root = TOML.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    Path dir = file.toAbsolutePath().getParent();
    String where = file.toString();
    List<RegistryHost> hosts = new ArrayList<>();
    JsonNode hostTables = root.path("host");
    if (!hostTables.isMissingNode() && !hostTables.isObject()) {
      throw new IOException(where + ": 'host' must be a table of [host.\"URL\"] entries");
    }
    for (Map.Entry<String, JsonNode> e : hostTables.properties()) {
      if (!e.getValue().isObject()) {
        throw new IOException(where + ": host \"" + e.getKey() + "\" must be a table");
      }
      URI url = url(e.getKey(), where);
      boolean mirror = !url.getAuthority().equalsIgnoreCase(registry);
      hosts.add(host(url, e.getValue(), dir, where + " [host.\"" + e.getKey() + "\"]", base, mirror));
    }
    JsonNode server = root.get("server");
    if (server == null) {
      hosts.add(new RegistryHost(null, capabilities(root, where), tls(root, dir, where, base), headers(root, where), false));
    } else {
      if (!server.isTextual()) {
        throw new IOException(where + ": 'server' must be a URL string");
      }
      URI url = url(server.asText(), where);
      hosts.add(host(url, root, dir, where, base, !url.getAuthority().equalsIgnoreCase(registry) && !isDockerHub(registry, url)));
    }
    return List.copyOf(hosts);
  }

  private static boolean isDockerHub(String registry, URI url) {
    return registry.equals("docker.io") && url.getHost().equalsIgnoreCase("registry-1.docker.io");
  }

  private static RegistryHost host(URI url, JsonNode table, Path dir, String where, TlsSettings base, boolean mirror) throws IOException {
    return new RegistryHost(apiRoot(url, bool(table, "override_path", where)), capabilities(table, where),
        tls(table, dir, where, base), headers(table, where), mirror);
  }

  private static URI url(String text, String where) throws IOException {
    URI url;
    try {
      url = new URI(text.contains("://") ? text : "https://" + text);
    } catch (URISyntaxException e) {
      throw new IOException(where + ": '" + text + "' is not a URL: " + e.getMessage(), e);
    }
    String scheme = url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new IOException(where + ": '" + text + "' must be an http or https URL");
    }
    if (url.getHost() == null || url.getRawUserInfo() != null || url.getRawQuery() != null || url.getRawFragment() != null) {
      throw new IOException(where + ": '" + text + "' must be scheme://host[:port][/path] (no credentials, query or fragment)");
    }
    return url;
  }

  /** The URL's path with {@code /v2} appended (unless already there, or {@code override_path}). */
  static URI apiRoot(URI url, boolean overridePath) {
    String path = url.getRawPath() == null ? "" : url.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (!overridePath && !path.endsWith("/v2")) {
      path = path + "/v2";
    }
    return URI.create(url.getScheme().toLowerCase(Locale.ROOT) + "://" + url.getRawAuthority() + path);
  }

  private static Set<HostCapability> capabilities(JsonNode table, String where) throws IOException {
    JsonNode caps = table.get("capabilities");
    if (caps == null) {
      return EnumSet.allOf(HostCapability.class);
    }
    EnumSet<HostCapability> set = EnumSet.noneOf(HostCapability.class);
    for (String c : strings(caps, "capabilities", where)) {
      try {
        set.add(HostCapability.parse(c, where));
      } catch (IllegalArgumentException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
    return set;
  }

  private static TlsSettings tls(JsonNode table, Path dir, String where, TlsSettings base) throws IOException {
    List<Path> cas = new ArrayList<>();
    JsonNode ca = table.get("ca");
    if (ca != null) {
      for (String p : strings(ca, "ca", where)) {
        cas.add(existing(dir, p, "ca", where));
      }
    }
    Path cert = null;
    Path key = null;
    JsonNode client = table.get("client");
    if (client != null) {
      JsonNode first = client.isArray() ? client.get(0) : client;
      if (first != null && first.isArray()) {
        cert = existing(dir, text(first.get(0), "client", where), "client", where);
        String k = first.size() > 1 ? text(first.get(1), "client", where) : "";
        key = k.isEmpty() ? cert : existing(dir, k, "client", where);
      } else if (first != null) {
        cert = existing(dir, text(first, "client", where), "client", where);
        key = cert; // one PEM with the certificate and its key
      }
    }
    return base.plus(new TlsSettings(cas, bool(table, "skip_verify", where), cert, key));
  }

  private static Map<String, List<String>> headers(JsonNode table, String where) throws IOException {
    JsonNode header = table.get("header");
    if (header == null) {
      return Map.of();
    }
    if (!header.isObject()) {
      throw new IOException(where + ": 'header' must be a table");
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : header.properties()) {
      out.put(e.getKey(), strings(e.getValue(), "header." + e.getKey(), where));
    }
    return out;
  }

  private static boolean bool(JsonNode table, String field, String where) throws IOException {
    JsonNode v = table.get(field);
    if (v == null) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new IOException(where + ": '" + field + "' must be true or false");
    }
    return v.asBoolean();
  }

  private static List<String> strings(JsonNode v, String field, String where) throws IOException {
    if (v.isTextual()) {
      return List.of(v.asText());
    }
    if (v.isArray()) {
      List<String> out = new ArrayList<>();
      for (JsonNode item : v) {
        out.add(text(item, field, where));
      }
      return out;
    }
    throw new IOException(where + ": '" + field + "' must be a string or an array of strings");
  }

  private static String text(JsonNode v, String field, String where) throws IOException {
    if (v == null || !v.isTextual()) {
      throw new IOException(where + ": '" + field + "' must hold strings");
    }
    return v.asText();
  }

  private static Path existing(Path dir, String path, String field, String where) throws IOException {
    Path p = dir.resolve(path).normalize();
    if (!Files.isRegularFile(p)) {
      throw new IOException(where + ": " + field + " file " + p + " does not exist");
    }
    return p;
  }
}
