package dev.lazypull.agent.containerd;

import dev.lazypull.agent.snapshots.ImageMountChainMounter;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.snapshotter.mount.MountSettings;
import dev.lazypull.snapshotter.cache.ChunkCache;
import dev.lazypull.snapshotter.stats.ReadStats;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The snapshots service on its own, as a process the ITs can SIGTERM and kill -9: {@code ROOT
 * SOCKET CACHE_DIR}. Prints {@code READY} once the socket accepts connections. Serves the way the
 * agent does (Netty epoll domain socket, virtual-thread handlers).
 */
public final class SnapshotterMain {
  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    Path socket = Path.of(args[1]);
    Path cache = Path.of(args[2]);
    Files.deleteIfExists(socket);
    MountSettings settings = MountSettings.defaults(cache);
    ChunkCache chunks = ChunkCache.open(settings.memoryBytes(), cache, settings.cacheBytes(), new ReadStats());
    SnapshotsService service = SnapshotsService.open(root,
        new ImageMountChainMounter(RegistryOptions.defaults(), settings, chunks), new SimpleMeterRegistry());
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        .executor(Executors.newVirtualThreadPerTaskExecutor())
        .addService(service)
        .build()
        .start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdown();
      try {
        server.awaitTermination(10, TimeUnit.SECONDS);
        service.close();
        chunks.close();
      } catch (Exception e) {
        e.printStackTrace();
      }
      boss.shutdownGracefully();
      workers.shutdownGracefully();
    }));
    SocketWarmUp.warmUp(socket, java.time.Duration.ofSeconds(60));
    System.out.println("READY");
    System.out.flush();
    server.awaitTermination();
  }

  private SnapshotterMain() {}
}
