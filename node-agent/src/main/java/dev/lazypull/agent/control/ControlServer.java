package dev.lazypull.agent.control;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The agent's control socket ({@code agent.sock}): accepts connections, reads one request line
 * (bounded in size and time), hands the decoded request to the agent and writes its reply. A
 * request the protocol refuses, a peer that is not root or the agent's own user, a peer that
 * never finishes its line, or a handler that throws all end in an error reply or a closed
 * connection, never in a stopped server. The socket file is the owner's only (0600).
 */
public final class ControlServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());
  private static final long REQUEST_TIMEOUT_SECONDS = 10;
  private static final int MAX_CONNECTIONS = 256;
  private static final long DRAIN_LIMIT_BYTES = 4 << 20;

  private final Path socket;
  private final ServerSocketChannel server;
  private final Function<ControlRequest, ControlReply> handler;
  private final Set<UserPrincipal> allowed;
  private final Semaphore connections = new Semaphore(MAX_CONNECTIONS);
  private final Set<Thread> handlers = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timeouts =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("lazypull-control-timeout").factory());
  private final Thread acceptor;

  private ControlServer(Path socket, ServerSocketChannel server, Function<ControlRequest, ControlReply> handler, Set<UserPrincipal> allowed) {
    this.socket = socket;
    this.server = server;
    this.handler = handler;
    this.allowed = allowed;
    this.acceptor = Thread.ofVirtual().name("lazypull-control-accept").start(this::acceptLoop);
  }

  /**
   * Listens on {@code socket}, replacing a stale file there (the caller holds the run
   * directory's lock, so no live server owns it). {@code handler} runs on a virtual thread per
   * connection and may block.
   */
  public static ControlServer start(Path socket, Function<ControlRequest, ControlReply> handler) throws IOException {
    Files.deleteIfExists(socket);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(socket));
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
      var users = socket.getFileSystem().getUserPrincipalLookupService();
      Set<UserPrincipal> allowed = Set.copyOf(java.util.List.of(users.lookupPrincipalByName("root"), Files.getOwner(socket)));
      return new ControlServer(socket, server, handler, allowed);
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  public Path socket() {
    return socket;
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (server.isOpen()) {
          LOG.log(System.Logger.Level.WARNING, "control socket accept failed: " + e);
          continue;
        }
        return;
      }
      if (!connections.tryAcquire()) {
        reject(client, "the agent is busy: more than " + MAX_CONNECTIONS + " control connections open");
        continue;
      }
      Thread t = Thread.ofVirtual().name("lazypull-control").unstarted(() -> {
        try {
          serve(client);
        } finally {
          connections.release();
          handlers.remove(Thread.currentThread());
        }
      });
      handlers.add(t);
      t.start();
    }
  }

  private void serve(SocketChannel client) {
    try (client) {
      UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
      if (!allowed.contains(peer.user())) {
        ControlProtocol.writeLine(client, ControlProtocol.encode(new ControlReply.Error(
            "permission denied: the agent answers root and its own user only, not " + peer.user().getName())));
        return;
      }
      // A peer that connects and never finishes its line must not hold a thread for ever.
      ScheduledFuture<?> deadline = timeouts.schedule(() -> closeQuietly(client), REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      String line;
      try {
        line = ControlProtocol.readLine(client, ControlProtocol.MAX_REQUEST_BYTES);
      } catch (ControlProtocolException e) {
        ControlProtocol.writeLine(client, ControlProtocol.encode(new ControlReply.Error("malformed request: " + e.getMessage())));
        drain(client);
        return;
      } finally {
        deadline.cancel(false);
      }
      ControlReply reply;
      try {
        reply = handler.apply(ControlProtocol.decodeRequest(line));
      } catch (ControlProtocolException e) {
        reply = new ControlReply.Error("malformed request: " + e.getMessage());
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "control request failed", e);
        reply = new ControlReply.Error("internal error: " + e);
      }
      ControlProtocol.writeLine(client, ControlProtocol.encode(reply));
    } catch (EOFException e) {
      // The peer went away before finishing its request: nothing to answer.
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "control connection: " + e);
    }
  }

  private static void reject(SocketChannel client, String message) {
    try (client) {
      ControlProtocol.writeLine(client, ControlProtocol.encode(new ControlReply.Error(message)));
    } catch (IOException e) {
      // The peer is gone.
    }
  }

  /**
   * Reads and drops what the peer still sends after a refused line (bounded, and under the
   * request deadline), so that closing does not reset the connection before it reads the reply.
   */
  private static void drain(SocketChannel client) throws IOException {
    client.shutdownOutput();
    java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocate(8192);
    long left = DRAIN_LIMIT_BYTES;
    while (left > 0) {
      sink.clear();
      int n = client.read(sink);
      if (n < 0) {
        return;
      }
      left -= n;
    }
  }

  private static void closeQuietly(SocketChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** Stops accepting, lets requests in progress answer (a umount finishing), removes the socket. */
  @Override
  public void close() {
    try {
      server.close();
      Files.deleteIfExists(socket);
      acceptor.join(1000);
      for (Thread h : handlers) {
        if (h != Thread.currentThread()) {
          h.join(30_000);
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing control socket: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      timeouts.shutdownNow();
    }
  }
}
