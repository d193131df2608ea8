package dev.lazypull.agent.warmup;

import dev.lazypull.oci.Digest;
import dev.lazypull.oci.MediaTypes;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The distribution API's read side for one {@link WarmUpImage} on a loopback port of its own
 * (HTTP/1.1, keep-alive, GET and HEAD, Range): the registry client the warm-up drives speaks real
 * HTTP to it, its TLS probe included, which is answered as a plain-HTTP registry answers it (a 400
 * in clear, so the client settles on plain HTTP at once), and nothing leaves the machine.
 */
final class WarmUpRegistry implements AutoCloseable {
  private static final Pattern MANIFEST = Pattern.compile("/v2/" + Pattern.quote(WarmUpImage.REPOSITORY) + "/manifests/([^/]+)");
  private static final Pattern BLOB = Pattern.compile("/v2/" + Pattern.quote(WarmUpImage.REPOSITORY) + "/blobs/(sha256:[0-9a-f]{64})");
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");
  private static final int TLS_HANDSHAKE_RECORD = 0x16;
  private static final int MAX_HEADER_BYTES = 16 << 10;

  private final WarmUpImage image;
  private final ServerSocket server;
  private final Digest manifestDigest;

  private WarmUpRegistry(WarmUpImage image, ServerSocket server) {
    this.image = image;
    this.server = server;
    this.manifestDigest = Digest.sha256(image.manifest());
  }

  static WarmUpRegistry start(WarmUpImage image) throws IOException {
    WarmUpRegistry r = new WarmUpRegistry(image, new ServerSocket(0, 16, InetAddress.getLoopbackAddress()));
    Thread.ofVirtual().name("lazypull-warm-up-registry").start(r::accept);
    return r;
  }

  /** The files of the image it serves, with what they hold. */
  Map<String, byte[]> files() {
    return image.files();
  }

  /** The image's reference, host:port/repository:tag. */
  String reference() {
    return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort() + "/" + WarmUpImage.REPOSITORY + ":" + WarmUpImage.TAG;
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread.ofVirtual().start(() -> serve(s));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket socket) {
    try (socket; InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = new BufferedOutputStream(socket.getOutputStream())) {
      in.mark(1);
      if (in.read() == TLS_HANDSHAKE_RECORD) {
        out.write("HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return;
      }
      in.reset();
      while (!server.isClosed()) {
        String requestLine = line(in);
        if (requestLine == null) {
          return;
        }
        Map<String, String> headers = new HashMap<>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
          int colon = h.indexOf(':');
          if (colon > 0) {
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
          }
        }
        String[] parts = requestLine.split(" ");
        if (parts.length != 3) {
          return;
        }
        respond(parts[0], parts[1], headers.get("range"), out);
        out.flush();
        if ("close".equalsIgnoreCase(headers.get("connection"))) {
          return;
        }
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private void respond(String method, String target, String range, OutputStream out) throws IOException {
    boolean head = method.equals("HEAD");
    if (!head && !method.equals("GET")) {
      send(out, 405, Map.of(), new byte[0], 0, 0, false);
      return;
    }
    String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
    if (path.equals("/v2/")) {
      byte[] body = "{}".getBytes(StandardCharsets.US_ASCII);
      send(out, 200, Map.of("Content-Type", "application/json"), body, 0, body.length, head);
      return;
    }
    Matcher m = MANIFEST.matcher(path);
    if (m.matches() && (m.group(1).equals(WarmUpImage.TAG) || m.group(1).equals(manifestDigest.toString()))) {
      send(out, 200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST, "Docker-Content-Digest", manifestDigest.toString()),
          image.manifest(), 0, image.manifest().length, head);
      return;
    }
    Matcher b = BLOB.matcher(path);
    byte[] blob = b.matches() ? image.blobs().get(Digest.parse(b.group(1))) : null;
    if (blob == null) {
      send(out, 404, Map.of(), new byte[0], 0, 0, head);
      return;
    }
    Matcher r = range == null ? null : RANGE.matcher(range);
    Map<String, String> blobHeaders = Map.of("Content-Type", "application/octet-stream", "Docker-Content-Digest", b.group(1));
    if (r == null || !r.matches()) {
      send(out, 200, blobHeaders, blob, 0, blob.length, head);
      return;
    }
    long first = Long.parseLong(r.group(1));
    long last = r.group(2).isEmpty() ? blob.length - 1 : Math.min(Long.parseLong(r.group(2)), blob.length - 1);
    if (first > last) {
      send(out, 416, Map.of("Content-Range", "bytes */" + blob.length), new byte[0], 0, 0, head);
      return;
    }
    Map<String, String> ranged = new HashMap<>(blobHeaders);
    ranged.put("Content-Range", "bytes " + first + "-" + last + "/" + blob.length);
    send(out, 206, ranged, blob, (int) first, (int) (last - first + 1), head);
  }

  private static void send(OutputStream out, int status, Map<String, String> headers, byte[] body, int offset, int length,
      boolean head) throws IOException {
    StringBuilder s = new StringBuilder("HTTP/1.1 ").append(status).append(status < 300 ? " OK" : " Error").append("\r\n");
    headers.forEach((k, v) -> s.append(k).append(": ").append(v).append("\r\n"));
    s.append("Content-Length: ").append(length).append("\r\n\r\n");
    out.write(s.toString().getBytes(StandardCharsets.US_ASCII));
    if (!head) {
      out.write(body, offset, length);
    }
  }

  /** One CRLF-ended line without its end, or null at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(128);
    for (int c = in.read(); ; c = in.read()) {
      if (c < 0) {
        return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
      }
      if (c == '\n') {
        String s = b.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      if (b.size() == MAX_HEADER_BYTES) {
        throw new IOException("header line too long");
      }
      b.write(c);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
