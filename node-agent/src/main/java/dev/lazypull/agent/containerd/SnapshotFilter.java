package dev.lazypull.agent.containerd;

import dev.lazypull.agent.snapshots.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * containerd's filter syntax (package {@code filters}) over snapshots, as List receives it: a
 * request's filters are OR-ed, each is comma-separated selectors that must all hold. A selector is
 * {@code fieldpath [op value]}; fieldpath is fields joined by {@code .}, each a word or a
 * double-quoted string ({@code labels."containerd.io/snapshot.ref"}); op is {@code ==}, {@code !=}
 * or {@code ~=} (a regular expression, found anywhere in the value); without op the field must be
 * present. Values are a double-quoted string (for {@code ~=} also {@code /re/} or {@code |re|}) or
 * a run of characters up to a comma or space. Fields of a snapshot: {@code kind} (active, view,
 * committed), {@code name}, {@code parent} and {@code labels.KEY}.
 */
public final class SnapshotFilter {
  private static final int MAX_LENGTH = 16 << 10;

  private enum Op { PRESENT, EQUAL, NOT_EQUAL, MATCHES }

  private record Selector(List<String> fieldpath, Op op, String value, Pattern regex) {
    boolean matches(Snapshot s) {
      String v = field(s, fieldpath);
      return switch (op) {
        case PRESENT -> v != null;
        case EQUAL -> v != null && v.equals(value);
        case NOT_EQUAL -> !(v == null ? "" : v).equals(value);
        case MATCHES -> regex.matcher(v == null ? "" : v).find();
      };
    }
  }

  /** One request's filters: any of them, each all of its selectors; none means everything. */
  private final List<List<Selector>> any;

  private SnapshotFilter(List<List<Selector>> any) {
    this.any = any;
  }

  /** Parses the filters of a List request; throws naming the position of what is malformed. */
  public static SnapshotFilter parse(List<String> filters) throws FilterSyntaxException {
    List<List<Selector>> any = new ArrayList<>();
    for (String f : filters) {
      if (f.length() > MAX_LENGTH) {
        throw new FilterSyntaxException("filter of " + f.length() + " characters, over the limit of " + MAX_LENGTH);
      }
      if (!f.isEmpty()) {
        any.add(new Parser(f).selectors());
      } else {
        any.add(List.of()); // containerd: an empty filter matches everything
      }
    }
    return new SnapshotFilter(any);
  }

  public boolean matches(Snapshot s) {
    if (any.isEmpty()) {
      return true;
    }
    for (List<Selector> all : any) {
      if (all.stream().allMatch(sel -> sel.matches(s))) {
        return true;
      }
    }
    return false;
  }

  /** A snapshot's field by path, or null when it has none (containerd's adaptSnapshot). */
  private static String field(Snapshot s, List<String> path) {
    return switch (path.getFirst()) {
      case "kind" -> path.size() == 1 ? s.kind().name().toLowerCase(java.util.Locale.ROOT) : null;
      case "name" -> path.size() == 1 ? s.key() : null;
      case "parent" -> path.size() == 1 ? s.parentKey() : null;
      case "labels" -> s.labels().get(String.join(".", path.subList(1, path.size())));
      default -> null;
    };
  }

  /** A filter that does not parse; the message shows where. */
  public static final class FilterSyntaxException extends Exception {
    public FilterSyntaxException(String message) {
      super(message);
    }
  }

  /** Recursive descent over the grammar above, tokenising as containerd's scanner does. */
  private static final class Parser {
    private final String in;
    private int pos;

    Parser(String in) {
      this.in = in;
    }

    List<Selector> selectors() throws FilterSyntaxException {
      List<Selector> all = new ArrayList<>();
      all.add(selector());
      while (true) {
        skipSpace();
        if (pos >= in.length()) {
          return all;
        }
        if (in.charAt(pos) != ',') {
          throw error("unexpected input");
        }
        pos++;
        all.add(selector());
      }
    }

    private Selector selector() throws FilterSyntaxException {
      List<String> path = new ArrayList<>();
      path.add(field());
      while (true) {
        skipSpace();
        if (pos < in.length() && in.charAt(pos) == '.') {
          pos++;
          path.add(field());
        } else {
          break;
        }
      }
      skipSpace();
      if (pos >= in.length() || in.charAt(pos) == ',') {
        return new Selector(path, Op.PRESENT, null, null);
      }
      Op op = operator();
      String value = value(op == Op.MATCHES);
      Pattern regex = null;
      if (op == Op.MATCHES) {
        try {
          regex = Pattern.compile(value);
        } catch (PatternSyntaxException e) {
          throw new FilterSyntaxException("filter [" + in + "]: bad regular expression " + value + ": " + e.getDescription());
        }
      }
      return new Selector(path, op, value, regex);
    }

    private String field() throws FilterSyntaxException {
      skipSpace();
      if (pos >= in.length()) {
        throw error("expected field or quoted");
      }
      char c = in.charAt(pos);
      if (c == '"') {
        return quoted('"');
      }
      if (c == '/' || c == '|') {
        throw error("invalid quote encountered");
      }
      int start = pos;
      while (pos < in.length() && isFieldChar(in.charAt(pos))) {
        pos++;
      }
      if (pos == start) {
        throw error("expected field or quoted");
      }
      return in.substring(start, pos);
    }

    private Op operator() throws FilterSyntaxException {
      int start = pos;
      while (pos < in.length() && "=!~".indexOf(in.charAt(pos)) >= 0) {
        pos++;
      }
      String op = in.substring(start, pos);
      return switch (op) {
        case "==" -> Op.EQUAL;
        case "!=" -> Op.NOT_EQUAL;
        case "~=" -> Op.MATCHES;
        case "" -> {
          pos = start;
          throw error("expected an operator (\"==\"|\"!=\"|\"~=\")");
        }
        default -> {
          pos = start;
          throw error("unsupported operator \"" + op + "\"");
        }
      };
    }

    private String value(boolean altQuotes) throws FilterSyntaxException {
      skipSpace();
      if (pos >= in.length()) {
        throw error("expected value or quoted");
      }
      char c = in.charAt(pos);
      if (c == '"' || ((c == '/' || c == '|') && altQuotes)) {
        return quoted(c);
      }
      if (c == '/' || c == '|') {
        throw error("invalid quote encountered");
      }
      if (c == ',' || c == '.') {
        throw error("expected value or quoted");
      }
      int start = pos;
      while (pos < in.length() && in.charAt(pos) != ',' && !Character.isWhitespace(in.charAt(pos))) {
        if (in.charAt(pos) == 0) {
          throw error("unexpected null");
        }
        pos++;
      }
      return in.substring(start, pos);
    }

    /** A Go-syntax quoted string with {@code quote} as its delimiter; {@code pos} is at the opening quote. */
    private String quoted(char quote) throws FilterSyntaxException {
      int start = pos;
      pos++;
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= in.length() || in.charAt(pos) == '\n') {
          pos = start;
          throw error("quoted literal not terminated");
        }
        char c = in.charAt(pos++);
        if (c == quote) {
          return sb.toString();
        }
        if (c == 0) {
          throw error("unexpected null");
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= in.length()) {
          throw error("quoted literal not terminated");
        }
        char e = in.charAt(pos++);
        switch (e) {
          case 'a' -> sb.append('\u0007');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'v' -> sb.append('\u000b');
          case '\\' -> sb.append('\\');
          case 'x' -> sb.append((char) digits(16, 2));
          case 'u' -> sb.appendCodePoint(digits(16, 4));
          case 'U' -> sb.appendCodePoint(digits(16, 8));
          case '0', '1', '2', '3', '4', '5', '6', '7' -> {
            pos--;
            int v = digits(8, 3);
            if (v > 255) {
              throw error("illegal octal escape");
            }
            sb.append((char) v);
          }
          default -> {
            if (e == quote) {
              sb.append(e);
            } else {
              pos--;
              throw error("illegal escape sequence");
            }
          }
        }
      }
    }

    private int digits(int radix, int n) throws FilterSyntaxException {
      if (pos + n > in.length()) {
        throw error("illegal numeric escape sequence");
      }
      int v = 0;
      for (int i = 0; i < n; i++) {
        int d = Character.digit(in.charAt(pos + i), radix);
        if (d < 0) {
          throw error("illegal numeric escape sequence");
        }
        v = v * radix + d;
      }
      pos += n;
      if (v > Character.MAX_CODE_POINT) {
        throw error("escape beyond Unicode");
      }
      return v;
    }

    private void skipSpace() {
      while (pos < in.length() && Character.isWhitespace(in.charAt(pos))) {
        pos++;
      }
    }

    private static boolean isFieldChar(char c) {
      return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    private FilterSyntaxException error(String msg) {
      int at = Math.min(pos, in.length());
      String shown = at < in.length() ? in.substring(0, at) + " >|" + in.charAt(at) + "|< " + in.substring(at + 1) : in;
      return new FilterSyntaxException("filter parse error: [" + shown + "]: " + msg);
    }
  }
}
