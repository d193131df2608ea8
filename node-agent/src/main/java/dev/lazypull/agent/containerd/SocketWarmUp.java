package dev.lazypull.agent.containerd;

import dev.lazypull.agent.containerd.proto.ListSnapshotsRequest;
import dev.lazypull.agent.containerd.proto.SnapshotsGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Calls the snapshots service once over its own socket before containerd is told it is ready.
 * containerd 1.6 dials a proxy plugin with no minimum connect timeout, so each attempt must
 * finish the HTTP/2 handshake within its backoff delay (1 s at first, at most 3 s); a cold JVM on
 * a loaded node can miss that, and containerd then fails the pull instead of waiting. One call
 * loads and compiles the server's whole path first.
 */
public final class SocketWarmUp {
  private SocketWarmUp() {}

  public static void warmUp(Path socket, Duration timeout) throws IOException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(group)
        .usePlaintext()
        .build();
    try {
      SnapshotsGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .list(ListSnapshotsRequest.newBuilder().addFilters("name==lazypull-warm-up").build())
          .forEachRemaining(r -> {});
    } catch (RuntimeException e) {
      throw new IOException("the snapshots service does not answer on " + socket + ": " + e.getMessage(), e);
    } finally {
      channel.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
