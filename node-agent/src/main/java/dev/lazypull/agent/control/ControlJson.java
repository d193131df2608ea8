package dev.lazypull.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.Map;

/**
 * The control protocol's JSON text: one value read into, or written from, Jackson's tree model
 * ({@link JsonNode}) without an {@code ObjectMapper}. The tree stays the protocol's value model on
 * both sides; only the mapper goes, because setting one up and its first read and write cost a
 * short client command more than its whole request (decision 0015): {@code lazypull mount} starts
 * a JVM for one line each way.
 *
 * <p>Reads strict JSON (RFC 8259) as Jackson's defaults do: no comments, single quotes, trailing
 * commas, leading zeros or unescaped control characters; integers become int, long or big
 * integer nodes by size and other numbers double nodes; of a repeated name the last value stays.
 * Unlike {@code readTree}, anything after the value but white space is refused. Writes what
 * Jackson writes: no white space, control characters escaped, non-finite doubles as strings.
 */
public final class ControlJson {
  /** Longest number accepted, as Jackson's default read constraints. */
  private static final int MAX_NUMBER_CHARS = 1000;
  private static final String HEX = "0123456789ABCDEF";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private final String text;
  private final int maxDepth;
  private int pos;

  private ControlJson(String text, int maxDepth) {
    this.text = text;
    this.maxDepth = maxDepth;
  }

  /** The one JSON value that {@code text} holds, nested at most {@code maxDepth} objects or arrays deep. */
  public static JsonNode read(String text, int maxDepth) throws ControlProtocolException {
    ControlJson reader = new ControlJson(text, maxDepth);
    reader.skipSpace();
    JsonNode value = reader.value(0);
    reader.skipSpace();
    if (reader.pos < text.length()) {
      throw reader.error("unexpected " + reader.describe() + " after the value");
    }
    return value;
  }

  /** {@code node} as one line of JSON. */
  public static String write(JsonNode node) {
    StringBuilder out = new StringBuilder(128);
    write(node, out);
    return out.toString();
  }

  // ---- reading ----

  private JsonNode value(int depth) throws ControlProtocolException {
    if (pos >= text.length()) {
      throw error("unexpected end of input, expected a value");
    }
    char c = text.charAt(pos);
    return switch (c) {
      case '{' -> object(depth + 1);
      case '[' -> array(depth + 1);
      case '"' -> NODES.textNode(string());
      case 't' -> literal("true", NODES.booleanNode(true));
      case 'f' -> literal("false", NODES.booleanNode(false));
      case 'n' -> literal("null", NODES.nullNode());
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          yield number();
        }
        throw error("unexpected " + describe() + ", expected a value");
      }
    };
  }

  private ObjectNode object(int depth) throws ControlProtocolException {
    checkDepth(depth);
    pos++; // {
    ObjectNode o = NODES.objectNode();
    if (closesEmpty('}')) {
      return o;
    }
    do {
      if (peek() != '"') {
        throw error("unexpected " + describe() + ", expected a field name");
      }
      String name = string();
      skipSpace();
      expect(':');
      skipSpace();
      o.set(name, value(depth));
    } while (!closes('}'));
    return o;
  }

  private ArrayNode array(int depth) throws ControlProtocolException {
    checkDepth(depth);
    pos++; // [
    ArrayNode a = NODES.arrayNode();
    if (closesEmpty(']')) {
      return a;
    }
    do {
      a.add(value(depth));
    } while (!closes(']'));
    return a;
  }

  /** Just inside an object or array: true when it closes at once (the bracket consumed). */
  private boolean closesEmpty(char close) {
    skipSpace();
    if (peek() == close) {
      pos++;
      return true;
    }
    return false;
  }

  /** After a member: true at the closing bracket, false after a comma (either consumed, and the space after). */
  private boolean closes(char close) throws ControlProtocolException {
    skipSpace();
    char c = peek();
    if (c != close && c != ',') {
      throw error("unexpected " + describe() + ", expected ',' or '" + close + "'");
    }
    pos++;
    skipSpace();
    return c == close;
  }

  private void checkDepth(int depth) throws ControlProtocolException {
    if (depth > maxDepth) {
      throw error("nested deeper than " + maxDepth);
    }
  }

  private String string() throws ControlProtocolException {
    pos++; // opening quote
    StringBuilder sb = null;
    int start = pos;
    while (true) {
      if (pos >= text.length()) {
        throw error("unexpected end of input in a string");
      }
      char c = text.charAt(pos);
      if (c == '"') {
        String s = sb == null ? text.substring(start, pos) : sb.append(text, start, pos).toString();
        pos++;
        return s;
      }
      if (c < 0x20) {
        throw error("unescaped control character (code " + (int) c + ") in a string");
      }
      if (c != '\\') {
        pos++;
        continue;
      }
      if (sb == null) {
        sb = new StringBuilder();
      }
      sb.append(text, start, pos);
      pos++;
      if (pos >= text.length()) {
        throw error("unexpected end of input in an escape");
      }
      char e = text.charAt(pos++);
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> sb.append(hex4());
        default -> {
          pos--;
          throw error("invalid escape '\\" + e + "'");
        }
      }
      start = pos;
    }
  }

  private char hex4() throws ControlProtocolException {
    if (pos + 4 > text.length()) {
      throw error("unexpected end of input in a \\u escape");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(text.charAt(pos), 16);
      if (d < 0) {
        throw error("invalid hex digit " + describe() + " in a \\u escape");
      }
      v = v * 16 + d;
      pos++;
    }
    return (char) v;
  }

  private JsonNode number() throws ControlProtocolException {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
      if (isDigit(peek())) {
        throw error("leading zero in a number");
      }
    } else if (!digits()) {
      throw error("unexpected " + describe() + ", expected a digit");
    }
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      pos++;
      if (!digits()) {
        throw error("unexpected " + describe() + ", expected a digit after the decimal point");
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!digits()) {
        throw error("unexpected " + describe() + ", expected a digit in the exponent");
      }
    }
    if (pos - start > MAX_NUMBER_CHARS) {
      throw error("number longer than " + MAX_NUMBER_CHARS + " characters");
    }
    String s = text.substring(start, pos);
    if (!integral) {
      return NODES.numberNode(Double.parseDouble(s));
    }
    if (s.length() <= 18) { // fits a long; whether an int decides the node, as Jackson's
      long v = Long.parseLong(s);
      return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
    }
    BigInteger big = new BigInteger(s);
    return big.compareTo(LONG_MIN) >= 0 && big.compareTo(LONG_MAX) <= 0 ? NODES.numberNode(big.longValue()) : NODES.numberNode(big);
  }

  private boolean digits() {
    int start = pos;
    while (isDigit(peek())) {
      pos++;
    }
    return pos > start;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private JsonNode literal(String word, JsonNode node) throws ControlProtocolException {
    if (!text.startsWith(word, pos)) {
      throw error("unexpected " + describe() + ", expected a value");
    }
    pos += word.length();
    return node;
  }

  private void expect(char c) throws ControlProtocolException {
    if (peek() != c) {
      throw error("unexpected " + describe() + ", expected '" + c + "'");
    }
    pos++;
  }

  /** The character at the position, or 0 at the end (never valid where a token is expected). */
  private char peek() {
    return pos < text.length() ? text.charAt(pos) : 0;
  }

  private void skipSpace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private String describe() {
    if (pos >= text.length()) {
      return "end of input";
    }
    char c = text.charAt(pos);
    return c < 0x20 || c > 0x7e ? "character (code " + (int) c + ")" : "character '" + c + "'";
  }

  private ControlProtocolException error(String message) {
    return new ControlProtocolException(message + " at offset " + pos);
  }

  // ---- writing ----

  private static void write(JsonNode node, StringBuilder out) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          string(e.getKey(), out);
          out.append(':');
          write(e.getValue(), out);
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(node.get(i), out);
        }
        out.append(']');
      }
      case STRING -> string(node.textValue(), out);
      case NUMBER -> {
        if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
          string(node.numberValue().toString(), out); // NaN, Infinity: as Jackson writes them by default
        } else {
          out.append(node.numberValue());
        }
      }
      case BOOLEAN -> out.append(node.booleanValue());
      case NULL, MISSING -> out.append("null");
      case BINARY, POJO -> throw new IllegalArgumentException("the control protocol carries no " + node.getNodeType() + " values");
    }
  }

  private static void string(String s, StringBuilder out) {
    out.append('"');
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      out.append(s, start, i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> out.append("\\u00").append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 0xf));
      }
      start = i + 1;
    }
    out.append(s, start, s.length()).append('"');
  }
}
