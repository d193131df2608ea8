package dev.lazypull.format.tar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class TarNumbersTest {

  @Property
  void base256RoundTrips(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long value) throws Exception {
    byte[] field = new byte[12];
    long v = value;
    for (int i = 11; i > 0; i--) {
      field[i] = (byte) v;
      v >>>= 8;
    }
    field[0] = (byte) 0x80;
    assertThat(TarNumbers.parse(field, 0, 12, "size")).isEqualTo(value);
  }

  @Property
  void octalRoundTrips(@ForAll @LongRange(min = 0, max = 077777777777L) long value) throws Exception {
    byte[] field = (String.format("%011o", value) + "\0").getBytes(StandardCharsets.US_ASCII);
    assertThat(TarNumbers.parse(field, 0, 12, "size")).isEqualTo(value);
  }

  @Test
  void octalMayBePaddedWithSpacesAndNuls() throws Exception {
    byte[] field = "  755 \0\0".getBytes(StandardCharsets.US_ASCII);
    assertThat(TarNumbers.parse(field, 0, 8, "mode")).isEqualTo(0755);
    assertThat(TarNumbers.parse(new byte[8], 0, 8, "mode")).isZero();
  }

  @Test
  void negativeBase256IsRefused() {
    byte[] field = new byte[8];
    field[0] = (byte) 0xff;
    assertThatThrownBy(() -> TarNumbers.parse(field, 0, 8, "uid")).hasMessageContaining("negative base-256");
  }

  @Test
  void garbageAfterTheNumberIsRefused() {
    byte[] field = "12 3\0\0\0\0".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> TarNumbers.parse(field, 0, 8, "mode")).hasMessageContaining("garbage");
  }
}
