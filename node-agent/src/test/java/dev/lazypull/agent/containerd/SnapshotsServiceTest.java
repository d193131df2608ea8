package dev.lazypull.agent.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.agent.containerd.proto.CommitSnapshotRequest;
import dev.lazypull.agent.containerd.proto.Info;
import dev.lazypull.agent.containerd.proto.Kind;
import dev.lazypull.agent.containerd.proto.ListSnapshotsRequest;
import dev.lazypull.agent.containerd.proto.PrepareSnapshotRequest;
import dev.lazypull.agent.containerd.proto.RemoveSnapshotRequest;
import dev.lazypull.agent.containerd.proto.SnapshotsGrpc;
import dev.lazypull.agent.containerd.proto.StatSnapshotRequest;
import dev.lazypull.agent.containerd.proto.UpdateSnapshotRequest;
import dev.lazypull.agent.containerd.proto.UsageRequest;
import dev.lazypull.agent.snapshots.LazyChain;
import dev.lazypull.agent.snapshots.LazyChainMounter;
import com.google.protobuf.FieldMask;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC surface: status codes containerd's errdefs understands, in-process (no socket, no FUSE). */
class SnapshotsServiceTest {
  @TempDir Path root;
  private SnapshotsService service;
  private Server server;
  private ManagedChannel channel;
  private SnapshotsGrpc.SnapshotsBlockingStub stub;

  private static final LazyChainMounter NO_MOUNTS = new LazyChainMounter() {
    @Override
    public void check(LazyChain chain) throws IOException {
      throw new IOException("no registry in this test");
    }

    @Override
    public Mounted mount(LazyChain chain, Path dir) throws IOException {
      throw new IOException("no registry in this test");
    }
  };

  @BeforeEach
  void start() throws IOException {
    service = SnapshotsService.open(root, NO_MOUNTS, new SimpleMeterRegistry());
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    stub = SnapshotsGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() throws IOException {
    channel.shutdownNow();
    server.shutdownNow();
    service.close();
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    throw new AssertionError("no error");
  }

  private static PrepareSnapshotRequest prepare(String key, String parent) {
    return PrepareSnapshotRequest.newBuilder().setSnapshotter("lazypull").setKey(key).setParent(parent).build();
  }

  @Test
  void errorsCarryTheCodesContainerdMapsBack() {
    stub.prepare(prepare("a", ""));
    assertThat(code(() -> stub.prepare(prepare("a", "")))).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(code(() -> stub.prepare(prepare("b", "nope")))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(code(() -> stub.prepare(prepare("c", "a")))).isEqualTo(Status.Code.FAILED_PRECONDITION); // parent not committed
    assertThat(code(() -> stub.prepare(prepare("", "")))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(code(() -> stub.stat(StatSnapshotRequest.newBuilder().setKey("zz").build()))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(code(() -> stub.usage(UsageRequest.newBuilder().setKey("zz").build()))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(code(() -> stub.remove(RemoveSnapshotRequest.newBuilder().setKey("zz").build()))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(code(() -> stub.list(ListSnapshotsRequest.newBuilder().addFilters("name==").build()).hasNext()))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(code(() -> stub.update(UpdateSnapshotRequest.newBuilder().setInfo(Info.newBuilder().setName("a"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("kind")).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);

    stub.commit(CommitSnapshotRequest.newBuilder().setName("layer").setKey("a").build());
    stub.prepare(prepare("child", "layer"));
    assertThat(code(() -> stub.remove(RemoveSnapshotRequest.newBuilder().setKey("layer").build()))).isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void listStreamsInfosThatMatchTheFilter() {
    for (int i = 0; i < 250; i++) {
      stub.prepare(PrepareSnapshotRequest.newBuilder().setKey("k" + i).putLabels("n", Integer.toString(i % 2)).build());
    }
    List<Info> infos = new ArrayList<>();
    stub.list(ListSnapshotsRequest.newBuilder().addFilters("labels.n==1").build()).forEachRemaining(r -> infos.addAll(r.getInfoList()));
    assertThat(infos).hasSize(125).allSatisfy(i -> {
      assertThat(i.getKind()).isEqualTo(Kind.ACTIVE);
      assertThat(i.getLabelsMap()).containsEntry("n", "1");
      assertThat(i.getCreatedAt().getSeconds()).isPositive();
    });
  }

  @Test
  void aServiceThatCannotMountStillServesOrdinaryLayers() {
    // the handshake labels of a lazy layer whose registry is unreachable: fall back, do not fail
    var r = PrepareSnapshotRequest.newBuilder().setKey("x").putLabels("containerd.io/snapshot.ref", "sha256:c1")
        .putLabels("containerd.io/snapshot/dev.lazypull.toc.digest", "sha256:" + "0".repeat(64))
        .putLabels("containerd.io/snapshot/dev.lazypull.toc.offset", "1")
        .putLabels("containerd.io/snapshot/dev.lazypull.toc.length", "99")
        .putLabels("containerd.io/snapshot/remote/stargz.reference", "127.0.0.1:1/a:b")
        .putLabels("containerd.io/snapshot/remote/stargz.digest", "sha256:" + "1".repeat(64)).build();
    assertThat(stub.prepare(r).getMountsList()).singleElement().satisfies(m -> assertThat(m.getType()).isEqualTo("bind"));
    assertThatThrownBy(() -> stub.stat(StatSnapshotRequest.newBuilder().setKey("sha256:c1").build()))
        .isInstanceOf(StatusRuntimeException.class);
  }
}
