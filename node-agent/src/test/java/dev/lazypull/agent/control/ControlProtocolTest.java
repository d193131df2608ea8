package dev.lazypull.agent.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ControlProtocolTest {

  @Test
  void everyRequestSurvivesTheRoundTrip() throws Exception {
    List<ControlRequest> requests = List.of(
        new ControlRequest.Mount("127.0.0.1:5000/repo:tag", Path.of("/mnt/a b"), List.of("reg.local:5000"), Duration.ofSeconds(7)),
        new ControlRequest.Mount("oci:/images/x:latest", Path.of("/mnt/x"), List.of(), null),
        new ControlRequest.Mount("oci:/images/x:latest", Path.of("/mnt/x"), List.of(), null, false, true),
        new ControlRequest.Umount(Path.of("/mnt/x")),
        new ControlRequest.ListMounts(),
        new ControlRequest.Stats(Path.of("/mnt/x")),
        new ControlRequest.Stats(null));
    for (ControlRequest r : requests) {
      assertThat(ControlProtocol.decodeRequest(ControlProtocol.encode(r))).isEqualTo(r);
    }
  }

  @Test
  void repliesSurviveTheRoundTrip() throws Exception {
    ControlReply ok = new ControlReply.Ok(ControlProtocol.newObject().put("bytesFetched", 42));
    assertThat(ControlProtocol.decodeReply(ControlProtocol.encode(ok))).isEqualTo(ok);
    ControlReply error = new ControlReply.Error("no \"such\" mount\n");
    assertThat(ControlProtocol.decodeReply(ControlProtocol.encode(error))).isEqualTo(error);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "mount /x",
      "[]",
      "42",
      "{}",
      "{\"op\":7}",
      "{\"op\":\"format\"}",
      "{\"op\":\"mount\",\"mountPoint\":\"/x\"}",
      "{\"op\":\"mount\",\"image\":\"\",\"mountPoint\":\"/x\"}",
      "{\"op\":\"mount\",\"image\":\"r/x\",\"mountPoint\":\"relative/dir\"}",
      "{\"op\":\"mount\",\"image\":\"r/x\",\"mountPoint\":\"/x\\u0000y\"}",
      "{\"op\":\"mount\",\"image\":\"r/x\\n\",\"mountPoint\":\"/x\"}",
      "{\"op\":\"mount\",\"image\":\"r/x\",\"mountPoint\":\"/x\",\"insecureRegistries\":\"host\"}",
      "{\"op\":\"mount\",\"image\":\"r/x\",\"mountPoint\":\"/x\",\"insecureRegistries\":[\"a b\"]}",
      "{\"op\":\"mount\",\"image\":\"r/x\",\"mountPoint\":\"/x\",\"fetchTimeoutMillis\":-1}",
      "{\"op\":\"mount\",\"image\":\"r/x\",\"mountPoint\":\"/x\",\"fetchTimeoutMillis\":1.5}",
      "{\"op\":\"mount\",\"image\":\"r/x\",\"mountPoint\":\"/x\",\"fetchTimeoutMillis\":99999999999999999999}",
      "{\"op\":\"mount\",\"image\":\"r/x\",\"mountPoint\":\"/x\",\"sudo\":true}",
      "{\"op\":\"mount\",\"image\":\"r/x\",\"mountPoint\":\"/x\",\"prefetch\":\"no\"}",
      "{\"op\":\"umount\"}",
      "{\"op\":\"umount\",\"mountPoint\":[\"/x\"]}",
      "{\"op\":\"list\",\"all\":true}",
      "{\"op\":\"stats\",\"mountPoint\":\"x\"}",
      "{\"op\":\"list\"",
      "{\"op\":\"list\",\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
  })
  void malformedRequestsAreRefusedWithAMessage(String line) {
    assertThatThrownBy(() -> ControlProtocol.decodeRequest(line))
        .isInstanceOf(ControlProtocolException.class)
        .hasMessageFindingMatch("\\w+");
  }

  @Test
  void theMessageNamesTheFieldThatIsWrong() {
    assertThatThrownBy(() -> ControlProtocol.decodeRequest("{\"op\":\"umount\",\"mountPoint\":\"mnt\"}"))
        .hasMessageContaining("mountPoint must be an absolute path");
    assertThatThrownBy(() -> ControlProtocol.decodeRequest("{\"op\":\"mount\",\"image\":\"r/x\",\"mountPoint\":\"/x\",\"sudo\":1}"))
        .hasMessageContaining("unknown field 'sudo'");
    assertThatThrownBy(() -> ControlProtocol.decodeRequest("{\"op\":\"rm\"}")).hasMessageContaining("unknown op 'rm'");
  }

  @Test
  void aLineLongerThanTheLimitIsRefusedWithoutReadingItAll() {
    byte[] huge = new byte[ControlProtocol.MAX_REQUEST_BYTES + 100];
    java.util.Arrays.fill(huge, (byte) 'x');
    var in = Channels.newChannel(new ByteArrayInputStream(huge));
    assertThatThrownBy(() -> ControlProtocol.readLine(in, ControlProtocol.MAX_REQUEST_BYTES))
        .isInstanceOf(ControlProtocolException.class)
        .hasMessageContaining("longer than " + ControlProtocol.MAX_REQUEST_BYTES);
  }

  @Test
  void aLineExactlyAtTheLimitIsRead() throws Exception {
    String line = "y".repeat(ControlProtocol.MAX_REQUEST_BYTES);
    var in = Channels.newChannel(new ByteArrayInputStream((line + "\nrest").getBytes(StandardCharsets.UTF_8)));
    assertThat(ControlProtocol.readLine(in, ControlProtocol.MAX_REQUEST_BYTES)).isEqualTo(line);
  }

  @Test
  void invalidUtf8AndTruncatedLinesAreErrors() {
    var bad = Channels.newChannel(new ByteArrayInputStream(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}', '\n'}));
    assertThatThrownBy(() -> ControlProtocol.readLine(bad, 100)).isInstanceOf(ControlProtocolException.class).hasMessageContaining("UTF-8");
    var cut = Channels.newChannel(new ByteArrayInputStream("{\"op\":\"list\"}".getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> ControlProtocol.readLine(cut, 100)).isInstanceOf(EOFException.class);
  }
}
