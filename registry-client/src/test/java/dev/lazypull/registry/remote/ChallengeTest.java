package dev.lazypull.registry.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChallengeTest {
  @Test
  void bearerWithQuotedCommasAndEscapes() {
    Challenge c = Challenge.parse(
        "Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull,push\",error=\"insufficient \\\"scope\\\"\"");
    assertThat(c.isBearer()).isTrue();
    assertThat(c.realm()).isEqualTo("https://auth.example/token");
    assertThat(c.params()).containsEntry("service", "registry.example")
        .containsEntry("scope", "repository:a/b:pull,push")
        .containsEntry("error", "insufficient \"scope\"");
  }

  @Test
  void basicAndUnquotedValuesAndCase() {
    Challenge c = Challenge.parse("basic Realm=registry, charset=UTF-8");
    assertThat(c.isBasic()).isTrue();
    assertThat(c.realm()).isEqualTo("registry");
    assertThat(c.params()).containsEntry("charset", "UTF-8");
    assertThat(Challenge.parse("Bearer").params()).isEmpty();
    assertThatThrownBy(() -> Challenge.parse(" ")).isInstanceOf(IllegalArgumentException.class);
  }
}
