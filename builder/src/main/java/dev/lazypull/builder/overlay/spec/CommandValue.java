package dev.lazypull.builder.overlay.spec;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lazypull.builder.overlay.BuildInputException;
import java.util.List;

/**
 * An entrypoint or cmd written as one string: a JSON array ({@code ["python", "-m", "app"]}, the
 * exec form of a Dockerfile) or words separated by spaces. No shell is involved either way, so
 * what is written is exactly what the container runs.
 */
public final class CommandValue {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CommandValue() {}

  public static List<String> parse(String value) {
    String s = value.strip();
    if (s.startsWith("[")) {
      try {
        return List.copyOf(JSON.readValue(s, new TypeReference<List<String>>() {}));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new BuildInputException("'" + value + "' is not a JSON array of strings: " + e.getOriginalMessage(), e);
      }
    }
    return s.isEmpty() ? List.of() : List.of(s.split("\\s+"));
  }
}
