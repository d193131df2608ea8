package dev.lazypull.testkit.registry;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 proxy on a free loopback port in front of a real registry, that answers chosen
 * requests with faults instead: a connection reset in the middle of the body, an error status
 * some number of times, 429 with Retry-After, 401 with a challenge, a stall, a redirect, or a
 * Range header dropped before the request reaches the registry. Everything else passes through
 * unchanged (Host included, so that the registry's Location URLs point back at the proxy).
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start(RegistryServer.shared().hostPort())) {
 *   proxy.inject(FaultProxy.status("/blobs/", 500, 2));     // the next two blob requests fail
 *   ... use proxy.hostPort() as the registry ...
 * }
 * }</pre>
 *
 * Requests are recorded ({@link #requests()}) so tests can check what the client sent.
 */
public final class FaultProxy implements AutoCloseable {
  private final ServerSocket server;
  private final String upstreamHost;
  private final int upstreamPort;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Fault> faults = new CopyOnWriteArrayList<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger concurrent = new AtomicInteger();
  private final AtomicInteger maxConcurrent = new AtomicInteger();

  /** A request as the proxy received it. Header names are lower case. */
  public record Request(String method, String target, Map<String, String> headers) {}

  /** A fault for the next {@code times} requests whose target contains {@code pathPart}. */
  public static final class Fault {
    final String method;
    final String pathPart;
    final AtomicInteger remaining;
    final Kind kind;
    final int status;
    final Map<String, String> headers;
    final long afterBytes;

    enum Kind { STATUS, RESET_MID_BODY, STALL, DROP_RANGE }

    private Fault(String method, String pathPart, int times, Kind kind, int status, Map<String, String> headers, long afterBytes) {
      this.method = method;
      this.pathPart = pathPart;
      this.remaining = new AtomicInteger(times);
      this.kind = kind;
      this.status = status;
      this.headers = headers;
      this.afterBytes = afterBytes;
    }

    /** Restricts the fault to one HTTP method. */
    public Fault onlyFor(String httpMethod) {
      return new Fault(httpMethod, pathPart, remaining.get(), kind, status, headers, afterBytes);
    }

    /** How many times it has yet to fire. */
    public int remaining() {
      return remaining.get();
    }

    boolean claim(String m, String target) {
      if ((method != null && !method.equals(m)) || !target.contains(pathPart)) {
        return false;
      }
      return remaining.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }
  }

  /** Answers {@code status} (with an empty JSON error body and {@code headers}). */
  public static Fault status(String pathPart, int status, int times, Map<String, String> headers) {
    return new Fault(null, pathPart, times, Fault.Kind.STATUS, status, Map.copyOf(headers), 0);
  }

  public static Fault status(String pathPart, int status, int times) {
    return status(pathPart, status, times, Map.of());
  }

  public static Fault tooManyRequests(String pathPart, String retryAfter, int times) {
    return status(pathPart, 429, times, Map.of("Retry-After", retryAfter));
  }

  /** 307 to {@code targetOrigin} (e.g. {@code http://localhost:PORT}) + the same target. */
  public static Fault redirect(String pathPart, String targetOrigin, int times) {
    return new Fault(null, pathPart, times, Fault.Kind.STATUS, 307, Map.of("Location", targetOrigin), 0);
  }

  /** Forwards, sends the response head and {@code afterBytes} of the body, then resets (RST). */
  public static Fault resetMidBody(String pathPart, long afterBytes, int times) {
    return new Fault(null, pathPart, times, Fault.Kind.RESET_MID_BODY, 0, Map.of(), afterBytes);
  }

  /** Reads the request and never answers (until the client gives up). */
  public static Fault stall(String pathPart, int times) {
    return new Fault(null, pathPart, times, Fault.Kind.STALL, 0, Map.of(), 0);
  }

  /** Forwards without the Range header: the registry then sends the whole blob with 200. */
  public static Fault dropRange(String pathPart, int times) {
    return new Fault(null, pathPart, times, Fault.Kind.DROP_RANGE, 0, Map.of(), 0);
  }

  private FaultProxy(String upstream) throws IOException {
    int colon = upstream.lastIndexOf(':');
    this.upstreamHost = upstream.substring(0, colon);
    this.upstreamPort = Integer.parseInt(upstream.substring(colon + 1));
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.submit(this::acceptLoop);
  }

  /** A proxy to {@code upstreamHostPort} ({@code 127.0.0.1:PORT}). */
  public static FaultProxy start(String upstreamHostPort) throws IOException {
    return new FaultProxy(upstreamHostPort);
  }

  public String hostPort() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** Adds a fault; the first matching fault with firings left applies to a request. */
  public Fault inject(Fault fault) {
    faults.add(fault);
    return fault;
  }

  public void clearFaults() {
    faults.clear();
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Client connections accepted so far. */
  public int connectionsAccepted() {
    return accepted.get();
  }

  /** The most client connections that were open at once. */
  public int maxConcurrentConnections() {
    return maxConcurrent.get();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
    threads.shutdownNow();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        accepted.incrementAndGet();
        maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
        open.add(client);
        threads.submit(() -> serve(client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    Socket upstream = null;
    try (client) {
      InputStream in = new BufferedInputStream(client.getInputStream());
      OutputStream out = client.getOutputStream();
      in.mark(1);
      if (in.read() == 0x16) {
        return; // a TLS ClientHello: this proxy speaks plain HTTP only, so hang up as such a server would
      }
      in.reset();
      while (true) {
        List<String> head = readHead(in);
        if (head == null) {
          return;
        }
        String[] requestLine = head.getFirst().split(" ");
        Map<String, String> headers = headers(head);
        byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        requests.add(new Request(requestLine[0], requestLine[1], headers));
        Fault fault = faults.stream().filter(f -> f.claim(requestLine[0], requestLine[1])).findFirst().orElse(null);
        if (fault != null && fault.kind == Fault.Kind.STATUS) {
          writeStatus(out, fault, requestLine[1]);
          continue;
        }
        if (fault != null && fault.kind == Fault.Kind.STALL) {
          // Hold the connection open and silent until the client closes it.
          while (in.read() >= 0) {
            // discard
          }
          return;
        }
        if (upstream == null || upstream.isClosed()) {
          upstream = new Socket();
          upstream.connect(new InetSocketAddress(upstreamHost, upstreamPort));
          open.add(upstream);
        }
        List<String> forwarded = new ArrayList<>(head);
        if (fault != null && fault.kind == Fault.Kind.DROP_RANGE) {
          forwarded.removeIf(line -> line.toLowerCase(Locale.ROOT).startsWith("range:"));
        }
        OutputStream up = upstream.getOutputStream();
        up.write((String.join("\r\n", forwarded) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        up.write(body);
        up.flush();
        InputStream upIn = upstream.getInputStream();
        List<String> responseHead = readHead(upIn);
        if (responseHead == null) {
          return;
        }
        out.write((String.join("\r\n", responseHead) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        long limit = fault != null && fault.kind == Fault.Kind.RESET_MID_BODY ? fault.afterBytes : Long.MAX_VALUE;
        boolean complete = copyBody(upIn, out, requestLine[0], responseHead, headers(responseHead), limit);
        out.flush();
        if (!complete) {
          client.setSoLinger(true, 0); // close with RST, as a crashed peer or middlebox would
          upstream.close();
          return;
        }
      }
    } catch (IOException e) {
      // The client or the registry went away: nothing to report from a test proxy.
    } finally {
      concurrent.decrementAndGet();
      if (upstream != null) {
        try {
          upstream.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }
  }

  private static void writeStatus(OutputStream out, Fault fault, String target) throws IOException {
    String code = fault.status == 401 ? "UNAUTHORIZED" : fault.status == 429 ? "TOOMANYREQUESTS" : fault.status >= 500 ? "UNKNOWN" : "UNSUPPORTED";
    byte[] body = ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"injected by FaultProxy\"}]}").getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(fault.status).append(" Injected\r\n");
    for (Map.Entry<String, String> h : fault.headers.entrySet()) {
      String value = h.getKey().equals("Location") ? h.getValue() + target : h.getValue();
      sb.append(h.getKey()).append(": ").append(value).append("\r\n");
    }
    sb.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n\r\n");
    out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  /** Copies the response body; false when cut at {@code limit} bytes. */
  private static boolean copyBody(InputStream in, OutputStream out, String method, List<String> head,
      Map<String, String> headers, long limit) throws IOException {
    int status = Integer.parseInt(head.getFirst().split(" ")[1]);
    if (method.equals("HEAD") || status == 204 || status == 304 || (status >= 100 && status < 200)) {
      return true;
    }
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      // Relay chunks as they are, up to the terminating zero-size chunk and its trailers.
      long sent = 0;
      while (true) {
        String sizeLine = readLine(in);
        int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
        out.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        if (size == 0) {
          for (String trailer; !(trailer = readLine(in)).isEmpty(); ) {
            out.write((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
          }
          out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
          return true;
        }
        if (sent + size > limit) {
          out.write(in.readNBytes((int) (limit - sent)));
          return false;
        }
        out.write(in.readNBytes(size));
        sent += size;
        readLine(in);
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      }
    }
    long length = Long.parseLong(headers.getOrDefault("content-length", "0"));
    byte[] buf = new byte[64 << 10];
    long copied = 0;
    while (copied < length) {
      if (copied >= limit) {
        return false;
      }
      int n = in.read(buf, 0, (int) Math.min(buf.length, Math.min(length - copied, limit - copied)));
      if (n < 0) {
        throw new EOFException("registry closed mid-body");
      }
      out.write(buf, 0, n);
      copied += n;
    }
    return true;
  }

  private static List<String> readHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    while (true) {
      String line;
      try {
        line = readLine(in);
      } catch (EOFException e) {
        return null;
      }
      if (line.isEmpty()) {
        return lines.isEmpty() ? null : lines;
      }
      lines.add(line);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException();
      }
      if (c == '\n') {
        byte[] b = line.toByteArray();
        int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        return new String(b, 0, len, StandardCharsets.ISO_8859_1);
      }
      line.write(c);
    }
  }

  private static Map<String, String> headers(List<String> head) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line : head.subList(1, head.size())) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    return headers;
  }
}
