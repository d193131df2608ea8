package dev.lazypull.agent.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The control protocol's own JSON text against Jackson's ObjectMapper, which it replaces on the wire. */
class ControlJsonTest {
  private static final ObjectMapper JACKSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  @ParameterizedTest
  @ValueSource(strings = {
      "{}", "[]", "0", "-0", "7", "-2147483648", "2147483648", "9223372036854775807", "-9223372036854775808",
      "9223372036854775808", "123456789012345678901234567890", "1.5", "-0.25e-3", "6E+2", "1e400", "true", "false", "null",
      "\"\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"\\u00e9\\u20AC\\ud83d\\ude00\"", "\"ünïcödé €\"",
      " { \"a\" : [ 1 , { } , [ ] , \"x\" ] ,\n\t\"b\":null }\r\n",
      "{\"op\":\"mount\",\"image\":\"127.0.0.1:5000/r:t\",\"insecureRegistries\":[\"h:1\"],\"fetchTimeoutMillis\":30000,\"prefetch\":true}",
      "{\"a\":1,\"a\":2}",
  })
  void readsWhatJacksonReads(String json) throws Exception {
    assertThat(ControlJson.read(json, 8)).isEqualTo(JACKSON.readTree(json));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", " ", "{", "}", "[1,]", "[1 2]", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "{,}", "{a:1}", "{'a':1}", "['a']", "01", "-01", "1.",
      ".5", "+1", "-", "1e", "1e+", "0x10", "NaN", "Infinity", "tru", "nul", "falsey", "\"abc", "\"\\x\"", "\"\\u12G4\"",
      "\"\\u12\"", "\"a\u0001b\"", "\"a\nb\"", "/* c */ {}", "{} {}", "{}x", "[]]",
  })
  void refusesWhatIsNotOneJsonValue(String json) {
    assertThatThrownBy(() -> ControlJson.read(json, 8)).isInstanceOf(ControlProtocolException.class).hasMessageContaining("at offset");
  }

  @Test
  void nestingIsBounded() throws Exception {
    assertThat(ControlJson.read("[[[[[[[[1]]]]]]]]", 8)).isEqualTo(JACKSON.readTree("[[[[[[[[1]]]]]]]]"));
    assertThatThrownBy(() -> ControlJson.read("[[[[[[[[[1]]]]]]]]]", 8)).hasMessageContaining("nested deeper than 8");
    assertThatThrownBy(() -> ControlJson.read("{\"a\":".repeat(9) + "1" + "}".repeat(9), 8)).hasMessageContaining("nested deeper than 8");
  }

  @Test
  void overLongNumbersAreRefused() throws Exception {
    assertThat(ControlJson.read("1".repeat(1000), 8)).isEqualTo(NODES.numberNode(new BigInteger("1".repeat(1000))));
    assertThatThrownBy(() -> ControlJson.read("1".repeat(1001), 8)).hasMessageContaining("longer than 1000");
  }

  @Test
  void writesWhatJacksonWrites() throws Exception {
    ObjectNode o = NODES.objectNode();
    o.put("text", "quote \" backslash \\ slash / newline \n tab \t nul \u0000 unit \u001f del \u007f é €");
    o.put("int", 42).put("long", 1L << 40).put("big", new BigInteger("123456789012345678901234567890"));
    o.put("double", 0.1).put("exp", 1.0e300).put("negZero", -0.0).put("nan", Double.NaN).put("inf", Double.NEGATIVE_INFINITY);
    o.put("float", 2.5f).put("yes", true).putNull("nothing");
    o.putArray("list").add(1).add("two").addObject().put("three", 3);
    o.putObject("empty");
    assertThat(ControlJson.write(o)).isEqualTo(JACKSON.writeValueAsString(o));
  }

  @Property(tries = 300)
  void anyTreeSurvivesTheRoundTripAndJacksonReadsIt(@ForAll("trees") JsonNode tree) throws Exception {
    String line = ControlJson.write(tree);
    assertThat(line).doesNotContain("\n");
    assertThat(ControlJson.read(line, 8)).isEqualTo(tree);
    assertThat(JACKSON.readTree(line)).isEqualTo(tree);
    assertThat(line).isEqualTo(JACKSON.writeValueAsString(tree));
  }

  @Provide
  Arbitrary<JsonNode> trees() {
    return tree(4);
  }

  private static Arbitrary<JsonNode> tree(int depth) {
    Arbitrary<JsonNode> scalar = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(12).map(NODES::textNode),
        Arbitraries.integers().map(NODES::numberNode),
        Arbitraries.longs().filter(v -> v < Integer.MIN_VALUE || v > Integer.MAX_VALUE).map(NODES::numberNode),
        Arbitraries.bigIntegers().between(BigInteger.TWO.pow(70).negate(), BigInteger.TWO.pow(70))
            .filter(v -> v.bitLength() > 63).map(NODES::numberNode),
        Arbitraries.doubles().map(NODES::numberNode),
        Arbitraries.of(List.<JsonNode>of(NODES.booleanNode(true), NODES.booleanNode(false), NODES.nullNode())));
    if (depth == 0) {
      return scalar;
    }
    Arbitrary<JsonNode> array = tree(depth - 1).list().ofMaxSize(4).map(items -> {
      ArrayNode a = NODES.arrayNode();
      items.forEach(a::add);
      return a;
    });
    Arbitrary<JsonNode> object = Arbitraries.maps(Arbitraries.strings().ofMaxLength(8), tree(depth - 1)).ofMaxSize(4).map(fields -> {
      ObjectNode o = NODES.objectNode();
      fields.forEach(o::set);
      return o;
    });
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, scalar),
        net.jqwik.api.Tuple.of(1, array),
        net.jqwik.api.Tuple.of(1, object));
  }
}
