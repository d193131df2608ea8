package dev.lazypull.builder.overlay.spec;

import dev.lazypull.builder.overlay.BuildInputException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Everything one {@code lazypull build} needs to know, whether it came from options or from a spec
 * file. {@code entrypoint}, {@code cmd}, {@code workdir} and {@code user} are null when the base
 * image's value is kept; {@code env} and {@code labels} are overlaid key by key, in the order
 * given. As in a Dockerfile, setting {@code entrypoint} without {@code cmd} clears the base's cmd.
 * {@code record}: commands whose start-up is recorded as the image's prefetch list ({@link
 * #RECORD_IMAGE_COMMAND} for the image's own entrypoint and cmd); empty for none.
 */
public record BuildSpec(
    String name,
    String base,
    String repository,
    List<AddSpec> adds,
    java.nio.file.Path ignoreFile,
    Map<String, String> env,
    String workdir,
    List<String> entrypoint,
    List<String> cmd,
    String user,
    Map<String, String> labels,
    List<String> extraTags,
    List<String> record) {

  /** In {@code record}: run the image's own entrypoint and cmd. */
  public static final String RECORD_IMAGE_COMMAND = "";

  /** A tag is at most 128 characters; {@code NAME-<hash>} leaves room for the hash. */
  public static final int MAX_NAME_LENGTH = 100;

  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern ENV_KEY = Pattern.compile("[^=\\s]+");

  public BuildSpec {
    require(base, "base image");
    require(repository, "target repository");
    if (repository.contains("@")) {
      throw new BuildInputException("target repository '" + repository + "' must not carry a digest");
    }
    if (!TAG.matcher(name).matches() || name.length() > MAX_NAME_LENGTH) {
      throw new BuildInputException(
          "name '" + name + "' cannot start a tag: use letters, digits, '_', '.', '-' (at most "
              + MAX_NAME_LENGTH + " characters, not starting with '.' or '-')");
    }
    for (String t : extraTags) {
      if (!TAG.matcher(t).matches()) {
        throw new BuildInputException("'" + t + "' is not a valid tag");
      }
    }
    for (String k : env.keySet()) {
      if (!ENV_KEY.matcher(k).matches()) {
        throw new BuildInputException("environment variable name '" + k + "' is empty or contains '=' or spaces");
      }
    }
    if (workdir != null && !workdir.startsWith("/")) {
      throw new BuildInputException("workdir must be an absolute path, got '" + workdir + "'");
    }
    adds = List.copyOf(adds);
    env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
    labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    cmd = cmd == null ? null : List.copyOf(cmd);
    extraTags = List.copyOf(extraTags);
    record = record == null ? List.of() : List.copyOf(record);
  }

  /** A spec that records nothing. */
  public BuildSpec(String name, String base, String repository, List<AddSpec> adds, java.nio.file.Path ignoreFile,
      Map<String, String> env, String workdir, List<String> entrypoint, List<String> cmd, String user,
      Map<String, String> labels, List<String> extraTags) {
    this(name, base, repository, adds, ignoreFile, env, workdir, entrypoint, cmd, user, labels, extraTags, List.of());
  }

  public BuildSpec withRecord(List<String> commands) {
    return new BuildSpec(name, base, repository, adds, ignoreFile, env, workdir, entrypoint, cmd, user, labels, extraTags,
        commands);
  }

  /** The default NAME: the last path element of the repository ({@code host/team/app} -> {@code app}). */
  public static String defaultName(String repository) {
    String path = repository.startsWith("oci:") ? repository.substring(4) : repository;
    int tagOrDigest = path.indexOf('@');
    if (tagOrDigest >= 0) {
      path = path.substring(0, tagOrDigest);
    }
    int slash = path.lastIndexOf('/');
    String last = slash < 0 ? path : path.substring(slash + 1);
    int colon = last.indexOf(':');
    return colon < 0 ? last : last.substring(0, colon);
  }

  private static void require(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new BuildInputException("no " + what + " given");
    }
  }
}
