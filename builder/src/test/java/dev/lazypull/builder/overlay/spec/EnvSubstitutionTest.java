package dev.lazypull.builder.overlay.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvSubstitutionTest {
  private final EnvSubstitution env = EnvSubstitution.of(Map.of("A", "x", "EMPTY", ""));

  @Test
  void substitutesDefaultsAndEscapes() {
    assertThat(env.apply("${A}/y")).isEqualTo("x/y");
    assertThat(env.apply("${B:-dflt}-${A:-no}")).isEqualTo("dflt-x");
    assertThat(env.apply("$${A} costs $5 ${EMPTY}|")).isEqualTo("${A} costs $5 |");
    assertThat(env.apply("plain")).isEqualTo("plain");
  }

  @Test
  void unsetOrMalformedReferencesAreErrors() {
    assertThatThrownBy(() -> env.apply("${B}")).hasMessage("${B} is not set in the environment");
    assertThatThrownBy(() -> env.apply("${A")).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> env.apply("${1x}")).hasMessageContaining("not a variable reference");
  }
}
