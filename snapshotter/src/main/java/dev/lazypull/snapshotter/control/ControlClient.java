package dev.lazypull.snapshotter.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Asks a mount daemon over its control socket (see {@link ControlServer}). */
public final class ControlClient {
  private ControlClient() {}

  /** Sends {@code command}, returns the one-line answer. Throws when no daemon listens there. */
  public static String request(Path socket, String command) throws IOException {
    if (!Files.exists(socket)) {
      throw new IOException("no lazypull mount daemon (no control socket " + socket + ")");
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
      BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
      String line = in.readLine();
      if (line == null) {
        throw new IOException("the mount daemon closed the control connection without answering " + command);
      }
      if (line.startsWith("error: ")) {
        throw new IOException("the mount daemon refused " + command + ": " + line.substring(7));
      }
      return line;
    }
  }
}
