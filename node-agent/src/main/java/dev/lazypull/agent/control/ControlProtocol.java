package dev.lazypull.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The control protocol on {@code agent.sock}: one connection carries one request and its reply,
 * each a JSON object on one line ({@code \n}-terminated UTF-8).
 *
 * <pre>
 * {"op":"mount","image":"host/repo:tag","mountPoint":"/mnt/x","insecureRegistries":[],"fetchTimeoutMillis":30000,
 *  "prefetch":true,"backgroundFetch":true}
 * {"op":"umount","mountPoint":"/mnt/x"}
 * {"op":"list"}
 * {"op":"stats","mountPoint":"/mnt/x"}      (without mountPoint: the node's totals)
 * reply: {"ok":true,"result":...} or {"ok":false,"error":"what is wrong"}
 * </pre>
 *
 * Every field is checked here, before the agent acts on it: unknown operations and fields,
 * wrong types, relative or over-long paths and over-long lines are refused with a message.
 */
public final class ControlProtocol {
  /** Longest request line accepted: far above any real request, small enough to hold. */
  public static final int MAX_REQUEST_BYTES = 64 << 10;
  /** Longest reply line a client accepts (a list of many mounts). */
  public static final int MAX_REPLY_BYTES = 16 << 20;

  private static final int MAX_IMAGE_CHARS = 4096;
  private static final int MAX_PATH_CHARS = 4096;
  private static final int MAX_INSECURE = 64;
  private static final Duration MAX_FETCH_TIMEOUT = Duration.ofHours(1);
  private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.\\-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]{2,45}\\](:[0-9]{1,5})?");
  /** Deepest nesting of objects and arrays a line may have. */
  private static final int MAX_DEPTH = 8;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private ControlProtocol() {}

  // ---- requests ----

  public static String encode(ControlRequest request) {
    ObjectNode o = JSON.objectNode();
    switch (request) {
      case ControlRequest.Mount m -> {
        o.put("op", "mount").put("image", m.image()).put("mountPoint", m.mountPoint().toString());
        ArrayNode hosts = o.putArray("insecureRegistries");
        m.insecureRegistries().forEach(hosts::add);
        if (m.fetchTimeout() != null) {
          o.put("fetchTimeoutMillis", m.fetchTimeout().toMillis());
        }
        o.put("prefetch", m.prefetch()).put("backgroundFetch", m.backgroundFetch());
      }
      case ControlRequest.Umount u -> o.put("op", "umount").put("mountPoint", u.mountPoint().toString());
      case ControlRequest.ListMounts l -> o.put("op", "list");
      case ControlRequest.Stats s -> {
        o.put("op", "stats");
        if (s.mountPoint() != null) {
          o.put("mountPoint", s.mountPoint().toString());
        }
      }
    }
    return ControlJson.write(o);
  }

  public static ControlRequest decodeRequest(String line) throws ControlProtocolException {
    ObjectNode o = object(line, "request");
    String op = requiredString(o, "op", 16);
    return switch (op) {
      case "mount" -> {
        onlyFields(o, Set.of("op", "image", "mountPoint", "insecureRegistries", "fetchTimeoutMillis", "prefetch", "backgroundFetch"));
        String image = requiredString(o, "image", MAX_IMAGE_CHARS);
        if (image.isBlank()) {
          throw new ControlProtocolException("image is empty");
        }
        yield new ControlRequest.Mount(image, path(o, true), insecureRegistries(o), fetchTimeout(o), flag(o, "prefetch"),
            flag(o, "backgroundFetch"));
      }
      case "umount" -> {
        onlyFields(o, Set.of("op", "mountPoint"));
        yield new ControlRequest.Umount(path(o, true));
      }
      case "list" -> {
        onlyFields(o, Set.of("op"));
        yield new ControlRequest.ListMounts();
      }
      case "stats" -> {
        onlyFields(o, Set.of("op", "mountPoint"));
        yield new ControlRequest.Stats(path(o, false));
      }
      default -> throw new ControlProtocolException("unknown op '" + op + "' (expected mount, umount, list or stats)");
    };
  }

  // ---- replies ----

  public static String encode(ControlReply reply) {
    ObjectNode o = JSON.objectNode();
    switch (reply) {
      case ControlReply.Ok ok -> o.put("ok", true).set("result", ok.result());
      case ControlReply.Error e -> o.put("ok", false).put("error", e.message());
    }
    return ControlJson.write(o);
  }

  public static ControlReply decodeReply(String line) throws ControlProtocolException {
    ObjectNode o = object(line, "reply");
    JsonNode ok = o.get("ok");
    if (ok == null || !ok.isBoolean()) {
      throw new ControlProtocolException("reply has no boolean 'ok'");
    }
    if (ok.booleanValue()) {
      JsonNode result = o.get("result");
      return new ControlReply.Ok(result == null ? JSON.nullNode() : result);
    }
    JsonNode error = o.get("error");
    return new ControlReply.Error(error != null && error.isTextual() ? error.textValue() : "the agent refused without a message");
  }

  /** A JSON object to build results with. */
  public static ObjectNode newObject() {
    return JSON.objectNode();
  }

  public static ArrayNode newArray() {
    return JSON.arrayNode();
  }

  // ---- framing ----

  /**
   * Reads one line of at most {@code limit} bytes (without its {@code \n}). Throws
   * {@link ControlProtocolException} for a line too long or not UTF-8, {@link EOFException} when
   * the peer closes before the end of the line.
   */
  public static String readLine(ReadableByteChannel in, int limit) throws IOException, ControlProtocolException {
    ByteBuffer buf = ByteBuffer.allocate(Math.min(limit + 1, 8192));
    ByteBuffer line = ByteBuffer.allocate(0);
    while (true) {
      buf.clear();
      int n = in.read(buf);
      if (n < 0) {
        throw new EOFException("connection closed before the end of the line");
      }
      buf.flip();
      int newline = -1;
      for (int i = 0; i < buf.limit(); i++) {
        if (buf.get(i) == '\n') {
          newline = i;
          break;
        }
      }
      int take = newline >= 0 ? newline : buf.limit();
      if (line.position() + take > limit) {
        throw new ControlProtocolException("line longer than " + limit + " bytes");
      }
      if (line.remaining() < take) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.min(limit, Math.max(line.capacity() * 2, line.position() + take)));
        line.flip();
        bigger.put(line);
        line = bigger;
      }
      line.put(buf.limit(take));
      if (newline >= 0) {
        line.flip();
        try {
          return StandardCharsets.UTF_8.newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(line).toString();
        } catch (CharacterCodingException e) {
          throw new ControlProtocolException("line is not UTF-8");
        }
      }
    }
  }

  public static void writeLine(WritableByteChannel out, String line) throws IOException {
    ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      out.write(b);
    }
  }

  // ---- field checks ----

  private static ObjectNode object(String line, String what) throws ControlProtocolException {
    JsonNode node;
    try {
      node = ControlJson.read(line, MAX_DEPTH);
    } catch (ControlProtocolException e) {
      throw new ControlProtocolException(what + " is not JSON: " + e.getMessage());
    }
    if (!(node instanceof ObjectNode o)) {
      throw new ControlProtocolException(what + " is not a JSON object");
    }
    return o;
  }

  private static void onlyFields(ObjectNode o, Set<String> allowed) throws ControlProtocolException {
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!allowed.contains(name)) {
        throw new ControlProtocolException("unknown field '" + abbreviate(name) + "' for op " + o.get("op").textValue());
      }
    }
  }

  private static String requiredString(ObjectNode o, String field, int maxChars) throws ControlProtocolException {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      throw new ControlProtocolException("missing field '" + field + "'");
    }
    if (!v.isTextual()) {
      throw new ControlProtocolException("field '" + field + "' must be a string");
    }
    String s = v.textValue();
    if (s.length() > maxChars) {
      throw new ControlProtocolException("field '" + field + "' is longer than " + maxChars + " characters");
    }
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        throw new ControlProtocolException("field '" + field + "' contains a control character");
      }
    }
    return s;
  }

  private static Path path(ObjectNode o, boolean required) throws ControlProtocolException {
    if (!required && (o.get("mountPoint") == null || o.get("mountPoint").isNull())) {
      return null;
    }
    String s = requiredString(o, "mountPoint", MAX_PATH_CHARS);
    Path p;
    try {
      p = Path.of(s);
    } catch (InvalidPathException e) {
      throw new ControlProtocolException("mountPoint is not a path: " + e.getReason());
    }
    if (!p.isAbsolute()) {
      throw new ControlProtocolException("mountPoint must be an absolute path, got '" + abbreviate(s) + "'");
    }
    return p.normalize();
  }

  private static List<String> insecureRegistries(ObjectNode o) throws ControlProtocolException {
    JsonNode v = o.get("insecureRegistries");
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw new ControlProtocolException("field 'insecureRegistries' must be an array of host[:port] strings");
    }
    if (v.size() > MAX_INSECURE) {
      throw new ControlProtocolException("field 'insecureRegistries' has more than " + MAX_INSECURE + " entries");
    }
    List<String> hosts = new ArrayList<>();
    for (JsonNode h : v) {
      if (!h.isTextual() || !HOST_PORT.matcher(h.textValue()).matches()) {
        throw new ControlProtocolException("insecureRegistries entry " + abbreviate(ControlJson.write(h)) + " is not a host[:port]");
      }
      hosts.add(h.textValue());
    }
    return hosts;
  }

  /** A boolean field, true when absent. */
  private static boolean flag(ObjectNode o, String field) throws ControlProtocolException {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      return true;
    }
    if (!v.isBoolean()) {
      throw new ControlProtocolException("field '" + field + "' must be true or false");
    }
    return v.booleanValue();
  }

  private static Duration fetchTimeout(ObjectNode o) throws ControlProtocolException {
    JsonNode v = o.get("fetchTimeoutMillis");
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.canConvertToExactIntegral() || !v.canConvertToLong() || v.longValue() <= 0
        || v.longValue() > MAX_FETCH_TIMEOUT.toMillis()) {
      throw new ControlProtocolException("fetchTimeoutMillis must be a whole number of milliseconds in 1.."
          + MAX_FETCH_TIMEOUT.toMillis());
    }
    return Duration.ofMillis(v.longValue());
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
