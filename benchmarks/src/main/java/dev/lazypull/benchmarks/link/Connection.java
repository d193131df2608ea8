package dev.lazypull.benchmarks.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * One proxied TCP connection: its two sockets and the four virtual threads that move its bytes
 * (a reader and a writer per direction). Any failure closes both sockets and interrupts every
 * thread, so nothing is left waiting on a queue that will never fill.
 */
final class Connection {
  private final Socket client;
  private final Socket server = new Socket();
  private final List<Thread> threads = new ArrayList<>(4);

  Connection(Socket client) {
    this.client = client;
  }

  /** Connects upstream and moves bytes until both directions have ended; returns when they have. */
  void run(InetSocketAddress upstream, Pacer up, Pacer down, LinkProfile link) throws InterruptedException {
    try {
      // The emulator does its own batching; Nagle on top would add delays of its own.
      client.setTcpNoDelay(true);
      server.setTcpNoDelay(true);
      server.connect(upstream);
    } catch (IOException e) {
      // Upstream refused: the client sees its connection closed, as across a real link.
      close();
      return;
    }
    Direction toServer = new Direction(client, server, up, link);
    Direction toClient = new Direction(server, client, down, link);
    synchronized (threads) {
      threads.add(Thread.ofVirtual().name("link-up-read").start(() -> guard(toServer::pump)));
      threads.add(Thread.ofVirtual().name("link-up-write").start(() -> guard(toServer::deliver)));
      threads.add(Thread.ofVirtual().name("link-down-read").start(() -> guard(toClient::pump)));
      threads.add(Thread.ofVirtual().name("link-down-write").start(() -> guard(toClient::deliver)));
    }
    for (Thread t : List.copyOf(threads)) {
      t.join();
    }
    close();
  }

  private interface Step {
    void run() throws IOException, InterruptedException;
  }

  private void guard(Step step) {
    try {
      step.run();
    } catch (IOException | InterruptedException e) {
      abort();
    }
  }

  /** Tears the connection down from any thread. */
  void abort() {
    close();
    synchronized (threads) {
      for (Thread t : threads) {
        if (t != Thread.currentThread()) {
          t.interrupt();
        }
      }
    }
  }

  private void close() {
    for (Socket s : new Socket[] {client, server}) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing is all that is left to do
      }
    }
  }
}
