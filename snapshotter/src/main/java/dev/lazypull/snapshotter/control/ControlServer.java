package dev.lazypull.snapshotter.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * A mount daemon's control socket: one line in, one line out. {@code stats} answers the read
 * path's counters as JSON; {@code umount} unmounts (the daemon then exits) and answers {@code ok}
 * once the mount is gone. The socket lives in the owner-only run directory.
 */
public final class ControlServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());
  public static final String STATS = "stats";
  public static final String UMOUNT = "umount";

  private final Path socket;
  private final ServerSocketChannel server;
  private final Thread acceptor;
  private final java.util.Set<Thread> handlers = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private ControlServer(Path socket, ServerSocketChannel server, Supplier<String> stats, Runnable unmount) {
    this.socket = socket;
    this.server = server;
    this.acceptor = Thread.ofVirtual().name("lazypull-control").start(() -> serve(stats, unmount));
  }

  /** Listens at {@code socket} (replacing a stale one); {@code unmount} runs on the caller's connection. */
  public static ControlServer start(Path socket, Supplier<String> stats, Runnable unmount) throws IOException {
    Files.deleteIfExists(socket);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    return new ControlServer(socket, server, stats, unmount);
  }

  private void serve(Supplier<String> stats, Runnable unmount) {
    while (server.isOpen()) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread handler = Thread.ofVirtual().unstarted(() -> {
        try {
          answer(client, stats, unmount);
        } finally {
          handlers.remove(Thread.currentThread());
        }
      });
      handlers.add(handler);
      handler.start();
    }
  }

  private static void answer(SocketChannel client, Supplier<String> stats, Runnable unmount) {
    try (client;
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
        OutputStream out = Channels.newOutputStream(client)) {
      String command = in.readLine();
      String reply;
      if (STATS.equals(command)) {
        reply = stats.get();
      } else if (UMOUNT.equals(command)) {
        unmount.run();
        reply = "ok";
      } else {
        reply = "error: unknown command " + command;
      }
      out.write((reply + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "control request failed: " + e);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
      acceptor.join(1000);
      // Let a running umount answer "ok" before the daemon exits.
      for (Thread h : handlers) {
        h.join(10_000);
      }
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing control socket: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
