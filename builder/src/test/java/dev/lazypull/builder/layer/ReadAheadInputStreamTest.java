package dev.lazypull.builder.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ReadAheadInputStreamTest {

  @Property(tries = 50)
  void yieldsExactlyTheSourceBytes(
      @ForAll @IntRange(min = 0, max = 300_000) int size,
      @ForAll @IntRange(min = 1, max = 70_000) int buffer,
      @ForAll @IntRange(min = 1, max = 4) int depth) throws IOException {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    try (ReadAheadInputStream in = new ReadAheadInputStream(new ByteArrayInputStream(data), buffer, depth, "test")) {
      byte[] first = in.readNBytes(Math.min(7, size));
      long skipped = in.skip(Math.min(1000, size - first.length));
      byte[] rest = in.readAllBytes();
      assertThat(first.length + skipped + rest.length).isEqualTo(size);
      if (rest.length > 0) {
        assertThat(rest[rest.length - 1]).isEqualTo(data[size - 1]);
      }
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void aSourceFailureReachesTheReaderAfterTheGoodBytes() throws IOException {
    InputStream failing = new SequenceInputStream(new ByteArrayInputStream(new byte[100]), new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("Unexpected end of ZLIB input stream");
      }
    });
    try (ReadAheadInputStream in = new ReadAheadInputStream(failing, 64, 2, "test")) {
      assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("ZLIB");
      assertThatThrownBy(in::read).as("the failure sticks").isInstanceOf(IOException.class);
    }
  }

  @Test
  void closeStopsTheProducerAndClosesTheSource() throws Exception {
    AtomicBoolean closed = new AtomicBoolean();
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        return 1;
      }

      @Override
      public void close() {
        closed.set(true);
      }
    };
    ReadAheadInputStream in = new ReadAheadInputStream(endless, 1024, 2, "test-endless");
    assertThat(in.read()).isEqualTo(1);
    in.close();
    assertThat(closed).isTrue();
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("test-endless") && t.isAlive());
  }
}
