package dev.lazypull.builder.overlay.spec;

import java.util.Map;
import java.util.function.Function;

/**
 * {@code ${VAR}} and {@code ${VAR:-default}} in spec values, taken from the environment; {@code $$}
 * is a literal {@code $}. A variable that is not set (and has no default) is an error rather than
 * an empty string, because an empty base image or tag would otherwise fail far from its cause.
 */
public final class EnvSubstitution {
  private final Function<String, String> lookup;

  public EnvSubstitution(Function<String, String> lookup) {
    this.lookup = lookup;
  }

  public static EnvSubstitution of(Map<String, String> environment) {
    return new EnvSubstitution(environment::get);
  }

  /** Thrown with the variable's name; the caller adds where it was found. */
  public static final class UnsetVariableException extends RuntimeException {
    private final String variable;

    UnsetVariableException(String variable, String message) {
      super(message);
      this.variable = variable;
    }

    public String variable() {
      return variable;
    }
  }

  public String apply(String text) {
    if (text.indexOf('$') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c != '$' || i + 1 >= text.length()) {
        out.append(c);
        i++;
      } else if (text.charAt(i + 1) == '$') {
        out.append('$');
        i += 2;
      } else if (text.charAt(i + 1) == '{') {
        int end = text.indexOf('}', i + 2);
        if (end < 0) {
          throw new UnsetVariableException(text.substring(i), "unterminated '${' in '" + text + "'");
        }
        out.append(resolve(text.substring(i + 2, end)));
        i = end + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private String resolve(String expression) {
    int dflt = expression.indexOf(":-");
    String name = dflt < 0 ? expression : expression.substring(0, dflt);
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new UnsetVariableException(name, "'${" + expression + "}' is not a variable reference (use ${NAME} or ${NAME:-default})");
    }
    String value = lookup.apply(name);
    if (value != null) {
      return value;
    }
    if (dflt >= 0) {
      return expression.substring(dflt + 2);
    }
    throw new UnsetVariableException(name, "${" + name + "} is not set in the environment");
  }
}
