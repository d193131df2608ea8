package dev.lazypull.testkit.cri;

import dev.lazypull.testkit.cri.proto.ImageServiceGrpc;
import dev.lazypull.testkit.cri.proto.ImageSpec;
import dev.lazypull.testkit.cri.proto.PullImageRequest;
import dev.lazypull.testkit.cri.proto.RemoveImageRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A minimal CRI image client: pulls and removes images through containerd's CRI plugin the way
 * kubelet does (runtime.v1.ImageService on containerd's own socket), so the CRI's snapshot labels
 * reach the snapshotter. The CRI plugin keeps its images in containerd namespace {@value #NAMESPACE}.
 */
public final class CriImageClient implements AutoCloseable {
  public static final String NAMESPACE = "k8s.io";

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private final ManagedChannel channel;
  private final ImageServiceGrpc.ImageServiceBlockingStub images;

  public CriImageClient(Path containerdSocket) {
    channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(containerdSocket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(group)
        .usePlaintext()
        .build();
    images = ImageServiceGrpc.newBlockingStub(channel);
  }

  /** Pulls {@code image} as kubelet does; returns the image ID the CRI answers. */
  public String pullImage(String image) {
    return images.withDeadlineAfter(10, TimeUnit.MINUTES)
        .pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build())
        .getImageRef();
  }

  public void removeImage(String image) {
    images.withDeadlineAfter(2, TimeUnit.MINUTES)
        .removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
  }

  @Override
  public void close() {
    channel.shutdownNow();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
