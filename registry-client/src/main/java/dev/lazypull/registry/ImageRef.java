package dev.lazypull.registry;

import dev.lazypull.oci.Digest;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where an image lives: a repository in a registry ({@link RegistryRef}) or an OCI image layout
 * directory ({@link LayoutRef}). {@link #parse} accepts what docker and skopeo users write.
 */
public sealed interface ImageRef permits ImageRef.RegistryRef, ImageRef.LayoutRef {

  /** Docker Hub's name as users write it; the API lives at {@link #DOCKER_HUB_ENDPOINT}. */
  String DOCKER_HUB = "docker.io";

  String DOCKER_HUB_ENDPOINT = "registry-1.docker.io";

  /** The tag used when a reference names none. */
  String DEFAULT_TAG = "latest";

  /**
   * Parses {@code oci:DIR[:TAG]} or a registry reference such as {@code ubuntu},
   * {@code host:port/repo:tag} or {@code repo@sha256:...}.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code text}
   */
  static ImageRef parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty image reference");
    }
    if (text.startsWith("oci:")) {
      return LayoutRef.parseLayout(text);
    }
    return RegistryRef.parseRegistry(text);
  }

  /**
   * What {@link ImageStore#getManifest} takes for this image: the digest when one was given, else
   * the tag; null for a layout reference without tag (the layout's only manifest).
   */
  String reference();

  /** The reference as the user would write it, normalised. */
  @Override
  String toString();

  /**
   * An image in a registry. {@code registry} is the host[:port] users write ({@code docker.io}
   * for Docker Hub); {@code tag} is null only when a digest is given without a tag.
   */
  record RegistryRef(String registry, String repository, String tag, Digest digest)
      implements ImageRef {

    // The distribution spec's repository grammar (path components, lowercase).
    private static final Pattern REPOSITORY =
        Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    // A host name or address with an optional port; an IPv6 address in brackets.
    private static final Pattern DOMAIN = Pattern.compile(
        "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+])(?::[0-9]+)?");

    public RegistryRef {
      if (registry == null || registry.isEmpty()) {
        throw new IllegalArgumentException("registry missing");
      }
      if (repository == null || !REPOSITORY.matcher(repository).matches()) {
        throw new IllegalArgumentException(
            "invalid repository name '" + repository + "' (lowercase letters, digits, separators . _ __ -, components joined by /)");
      }
      if (tag != null && !TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException("invalid tag '" + tag + "'");
      }
      if (tag == null && digest == null) {
        tag = DEFAULT_TAG;
      }
    }

    /**
     * Docker's reference grammar: {@code [DOMAIN/]PATH[:TAG][@DIGEST]}, where the first path
     * component is a domain only when it looks like one (has a '.' or a ':', or is {@code
     * localhost}); otherwise the image is on Docker Hub, official ones under {@code library/}.
     */
    static RegistryRef parseRegistry(String text) {
      String rest = text;
      Digest digest = null;
      int at = rest.indexOf('@');
      if (at >= 0) {
        try {
          digest = Digest.parse(rest.substring(at + 1));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("invalid digest in image reference '" + text + "': " + e.getMessage(), e);
        }
        rest = rest.substring(0, at);
      }
      String tag = null;
      int colon = rest.lastIndexOf(':');
      if (colon > rest.lastIndexOf('/')) {
        tag = rest.substring(colon + 1);
        rest = rest.substring(0, colon);
      }
      String registry = DOCKER_HUB;
      String repository = rest;
      int slash = rest.indexOf('/');
      if (slash > 0) {
        String first = rest.substring(0, slash);
        if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
          registry = first;
          repository = rest.substring(slash + 1);
        }
      }
      if (!DOMAIN.matcher(registry).matches()) {
        throw new IllegalArgumentException("invalid image reference '" + text + "': invalid registry '" + registry + "'");
      }
      if (registry.equals(DOCKER_HUB_ENDPOINT) || registry.equals("index.docker.io")) {
        registry = DOCKER_HUB;
      }
      // docker's rule: official images live under library/, also when docker.io is written out.
      if (registry.equals(DOCKER_HUB) && !repository.contains("/")) {
        repository = "library/" + repository;
      }
      try {
        return new RegistryRef(registry, repository, tag, digest);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid image reference '" + text + "': " + e.getMessage(), e);
      }
    }

    /** The host[:port] the registry API is reached at. */
    public String endpoint() {
      return registry.equals(DOCKER_HUB) ? DOCKER_HUB_ENDPOINT : registry;
    }

    @Override
    public String reference() {
      return digest != null ? digest.toString() : tag;
    }

    /** {@code registry/repository}, the name of the repository without tag or digest. */
    public String repositoryName() {
      return registry + "/" + repository;
    }

    public RegistryRef withTag(String newTag) {
      return new RegistryRef(registry, repository, newTag, null);
    }

    public RegistryRef withDigest(Digest newDigest) {
      return new RegistryRef(registry, repository, tag, newDigest);
    }

    @Override
    public String toString() {
      return repositoryName() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
  }

  /**
   * An OCI image layout directory, {@code oci:DIR[:TAG]}. {@code tag} is null when none was
   * written: a layout with exactly one manifest needs no tag.
   */
  record LayoutRef(Path directory, String tag) implements ImageRef {

    public LayoutRef {
      if (directory == null || directory.toString().isEmpty()) {
        throw new IllegalArgumentException("oci: reference without a directory");
      }
      if (tag != null && tag.isEmpty()) {
        throw new IllegalArgumentException("invalid layout tag '" + tag + "'");
      }
    }

    static LayoutRef parseLayout(String text) {
      String rest = text.substring("oci:".length());
      // skopeo's rule: the last ':' separates the tag, unless what follows it contains a '/'.
      int colon = rest.lastIndexOf(':');
      String dir = rest;
      String tag = null;
      if (colon >= 0 && rest.indexOf('/', colon) < 0) {
        dir = rest.substring(0, colon);
        tag = rest.substring(colon + 1);
      }
      if (dir.isEmpty()) {
        throw new IllegalArgumentException("oci: reference without a directory: '" + text + "'");
      }
      if (tag != null && tag.isEmpty()) {
        throw new IllegalArgumentException("empty tag in '" + text + "'");
      }
      return new LayoutRef(Path.of(dir), tag);
    }

    @Override
    public String reference() {
      return tag;
    }

    @Override
    public String toString() {
      return "oci:" + directory + (tag != null ? ":" + tag : "");
    }
  }
}
