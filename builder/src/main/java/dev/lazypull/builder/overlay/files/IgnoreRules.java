package dev.lazypull.builder.overlay.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules of a {@code .dockerignore} file, with Docker's meaning: one pattern a line, {@code #}
 * comments, {@code *} and {@code ?} within one path element, {@code **} across any number of
 * elements, {@code [...]} classes, {@code \} escapes, {@code !} re-including what an earlier line
 * excluded. The last matching line decides, and a pattern that matches a directory also matches
 * everything below it. Paths are relative to the source root, separated by {@code /}.
 */
public final class IgnoreRules {
  private record Rule(String text, Pattern regex, boolean include) {}

  private static final IgnoreRules NONE = new IgnoreRules(List.of());

  private final List<Rule> rules;

  private IgnoreRules(List<Rule> rules) {
    this.rules = rules;
  }

  public static IgnoreRules none() {
    return NONE;
  }

  public static IgnoreRules read(Path file) throws IOException {
    return parse(Files.readAllLines(file));
  }

  public static IgnoreRules parse(List<String> lines) {
    List<Rule> rules = new ArrayList<>();
    for (String raw : lines) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      boolean include = line.startsWith("!");
      if (include) {
        line = line.substring(1).strip();
      }
      String cleaned = clean(line);
      if (cleaned.isEmpty()) {
        continue;
      }
      rules.add(new Rule(line, compile(cleaned), include));
    }
    return new IgnoreRules(List.copyOf(rules));
  }

  /**
   * True when {@code relativePath} is excluded. A directory's exclusion applies to its contents
   * unless a later {@code !} line re-includes them.
   */
  public boolean excludes(String relativePath) {
    boolean excluded = false;
    for (Rule r : rules) {
      if (matchesSelfOrParent(r.regex, relativePath)) {
        excluded = !r.include;
      }
    }
    return excluded;
  }

  /**
   * True when no rule can re-include anything below an excluded directory, so the walk may skip
   * it whole (the common case: {@code .git}, {@code node_modules}).
   */
  public boolean canSkipExcludedDirectories() {
    return rules.stream().noneMatch(Rule::include);
  }

  private static boolean matchesSelfOrParent(Pattern p, String path) {
    if (p.matcher(path).matches()) {
      return true;
    }
    for (int i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
      if (p.matcher(path.substring(0, i)).matches()) {
        return true;
      }
    }
    return false;
  }

  /** Like Go's filepath.Clean, relative to the root: no leading slash, no '.', '..' resolved. */
  static String clean(String pattern) {
    List<String> parts = new ArrayList<>();
    for (String p : pattern.split("/+")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        if (!parts.isEmpty()) {
          parts.removeLast();
        }
        continue;
      }
      parts.add(p);
    }
    return String.join("/", parts);
  }

  static Pattern compile(String pattern) {
    StringBuilder re = new StringBuilder("^");
    int n = pattern.length();
    for (int i = 0; i < n; i++) {
      char c = pattern.charAt(i);
      switch (c) {
        case '*' -> {
          if (i + 1 < n && pattern.charAt(i + 1) == '*') {
            i++;
            if (i + 1 < n && pattern.charAt(i + 1) == '/') {
              i++;
              re.append("(?:.*/)?"); // '**/' : zero or more whole directories
            } else {
              re.append(".*");
            }
          } else {
            re.append("[^/]*");
          }
        }
        case '?' -> re.append("[^/]");
        case '\\' -> {
          if (i + 1 < n) {
            re.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
          }
        }
        case '[' -> {
          int end = pattern.indexOf(']', i + 2);
          if (end < 0) {
            re.append("\\[");
          } else {
            String body = pattern.substring(i + 1, end);
            boolean negated = body.startsWith("^") || body.startsWith("!");
            if (negated) {
              body = body.substring(1);
            }
            re.append(negated ? "[^/" : "[").append(body.replace("\\", "\\\\").replace("[", "\\[")).append(']');
            i = end;
          }
        }
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.append('$').toString(), Pattern.DOTALL);
  }
}
