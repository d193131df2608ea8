package dev.lazypull.agent;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server on {@code containerd.sock}: containerd's proxy-plugin client connects here. It
 * runs on Netty's epoll domain-socket channels; calls run on virtual threads, since the snapshot
 * service blocks on mounts and the database. The agent is ready once this socket accepts.
 */
final class ContainerdEndpoint implements AutoCloseable {
  private final Path socket;
  private final Server server;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final java.util.concurrent.ExecutorService calls;

  private ContainerdEndpoint(Path socket, Server server, EventLoopGroup boss, EventLoopGroup workers, java.util.concurrent.ExecutorService calls) {
    this.socket = socket;
    this.server = server;
    this.boss = boss;
    this.workers = workers;
    this.calls = calls;
  }

  static ContainerdEndpoint start(Path socket, List<BindableService> services) throws IOException {
    Files.deleteIfExists(socket);
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, Thread.ofPlatform().daemon().name("lazypull-grpc-boss").factory(), EpollIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, Thread.ofPlatform().daemon().name("lazypull-grpc-io-", 0).factory(),
        EpollIoHandler.newFactory());
    var calls = Executors.newVirtualThreadPerTaskExecutor();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        .executor(calls)
        .maxInboundMessageSize(4 << 20);
    services.forEach(builder::addService);
    Server server = builder.build();
    try {
      server.start();
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | RuntimeException e) {
      server.shutdownNow();
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      calls.shutdownNow();
      throw new IOException("cannot serve gRPC on " + socket + ": " + e.getMessage(), e);
    }
    return new ContainerdEndpoint(socket, server, boss, workers, calls);
  }

  Path socket() {
    return socket;
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    calls.shutdownNow();
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      // a socket file left behind is replaced at the next start
    }
  }
}
