package dev.lazypull.agent.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/** Sends one request to the agent's control socket and reads its reply. */
public final class ControlClient {
  private ControlClient() {}

  /** No agent listens at the socket (absent, or nobody accepts). */
  public static final class AgentUnavailableException extends IOException {
    public AgentUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The agent's reply to {@code request}; throws {@link AgentUnavailableException} when no agent listens. */
  public static ControlReply send(Path socket, ControlRequest request) throws IOException {
    if (!Files.exists(socket)) {
      throw new AgentUnavailableException("no lazypull agent runs (no control socket " + socket + ")", null);
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      try {
        ch.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        throw new AgentUnavailableException("no lazypull agent answers on " + socket + " (" + e.getMessage() + ")", e);
      }
      ControlProtocol.writeLine(ch, ControlProtocol.encode(request));
      String line;
      try {
        line = ControlProtocol.readLine(ch, ControlProtocol.MAX_REPLY_BYTES);
        return ControlProtocol.decodeReply(line);
      } catch (java.io.EOFException e) {
        throw new AgentUnavailableException("the lazypull agent on " + socket + " closed the connection without answering", e);
      } catch (ControlProtocolException e) {
        throw new IOException("the lazypull agent on " + socket + " answered something unreadable: " + e.getMessage(), e);
      }
    }
  }
}
