package dev.lazypull.builder.overlay.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CommandValueTest {
  @Test
  void jsonArrayOrWords() {
    assertThat(CommandValue.parse("[\"python\", \"-c\", \"print('a b')\"]")).containsExactly("python", "-c", "print('a b')");
    assertThat(CommandValue.parse("  python  -m app ")).containsExactly("python", "-m", "app");
    assertThat(CommandValue.parse("")).isEmpty();
    assertThat(CommandValue.parse("[]")).isEmpty();
  }

  @Test
  void malformedJsonIsNamed() {
    assertThatThrownBy(() -> CommandValue.parse("[\"a\", 1")).hasMessageContaining("is not a JSON array of strings");
  }
}
