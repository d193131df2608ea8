package dev.lazypull.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizeTest {

  @Test
  void readsBinarySuffixesInAnyCase() {
    assertThat(ByteSize.parse("1048576")).isEqualTo(1L << 20);
    assertThat(ByteSize.parse("64k")).isEqualTo(64L << 10);
    assertThat(ByteSize.parse("64K")).isEqualTo(64L << 10);
    assertThat(ByteSize.parse("512MiB")).isEqualTo(512L << 20);
    assertThat(ByteSize.parse("10G")).isEqualTo(10L << 30);
    assertThat(ByteSize.parse("2t")).isEqualTo(2L << 40);
  }

  @Test
  void refusesWhatIsNotASize() {
    assertThatThrownBy(() -> ByteSize.parse("ten")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'ten'");
    assertThatThrownBy(() -> ByteSize.parse("-1M")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ByteSize.parse("99999999999T")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too large");
  }

  @Test
  void intSizesNameTheOptionWhenOutOfRange() {
    assertThat(ByteSize.toInt("64K", "--chunk-size")).isEqualTo(65536);
    assertThatThrownBy(() -> ByteSize.toInt("4G", "--chunk-size")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--chunk-size '4G'");
    assertThatThrownBy(() -> ByteSize.toInt("0", "--group-size")).hasMessageContaining("--group-size");
  }
}
