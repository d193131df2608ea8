package dev.lazypull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class StatsCommandTest {
  @Test
  void nestedCountsAreListedUnderTheirOuterName() throws Exception {
    JsonNode answer = new ObjectMapper().readTree("{\"bytesFetched\":12,\"mountsRefused\":{\"invalid_image\":2,\"other\":0},\"mounts\":1}");
    StringBuilder sb = new StringBuilder();
    StatsCommand.appendTable(sb, "", answer);
    assertThat(sb.toString().lines().map(l -> l.replaceAll(" +", " ")))
        .containsExactly("bytesFetched 12", "mountsRefused.invalid_image 2", "mountsRefused.other 0", "mounts 1");
  }
}
