package dev.lazypull.fuse.server;

import java.util.concurrent.ConcurrentHashMap;

/** The READs handed to the file system and not answered yet, by request id, for INTERRUPT. */
final class PendingReads {
  private final ConcurrentHashMap<Long, AsyncReadReply> byUnique = new ConcurrentHashMap<>();

  void add(AsyncReadReply reply) {
    byUnique.put(reply.unique(), reply);
  }

  void remove(AsyncReadReply reply) {
    byUnique.remove(reply.unique(), reply);
  }

  /** Answers the read with EINTR if it is still pending: its caller got a signal. */
  void interrupt(long unique) {
    AsyncReadReply reply = byUnique.get(unique);
    if (reply != null) {
      reply.interrupt();
    }
  }

  int size() {
    return byUnique.size();
  }
}
