package dev.lazypull.agent.containerd;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import dev.lazypull.agent.containerd.proto.CleanupRequest;
import dev.lazypull.agent.containerd.proto.CommitSnapshotRequest;
import dev.lazypull.agent.containerd.proto.Info;
import dev.lazypull.agent.containerd.proto.ListSnapshotsRequest;
import dev.lazypull.agent.containerd.proto.ListSnapshotsResponse;
import dev.lazypull.agent.containerd.proto.Mount;
import dev.lazypull.agent.containerd.proto.MountsRequest;
import dev.lazypull.agent.containerd.proto.MountsResponse;
import dev.lazypull.agent.containerd.proto.PrepareSnapshotRequest;
import dev.lazypull.agent.containerd.proto.PrepareSnapshotResponse;
import dev.lazypull.agent.containerd.proto.RemoveSnapshotRequest;
import dev.lazypull.agent.containerd.proto.SnapshotsGrpc;
import dev.lazypull.agent.containerd.proto.StatSnapshotRequest;
import dev.lazypull.agent.containerd.proto.StatSnapshotResponse;
import dev.lazypull.agent.containerd.proto.UpdateSnapshotRequest;
import dev.lazypull.agent.containerd.proto.UpdateSnapshotResponse;
import dev.lazypull.agent.containerd.proto.UsageRequest;
import dev.lazypull.agent.containerd.proto.UsageResponse;
import dev.lazypull.agent.containerd.proto.ViewSnapshotRequest;
import dev.lazypull.agent.containerd.proto.ViewSnapshotResponse;
import dev.lazypull.agent.snapshots.Kind;
import dev.lazypull.agent.snapshots.LazyChainMounter;
import dev.lazypull.agent.snapshots.MountSpec;
import dev.lazypull.agent.snapshots.OverlaySnapshotter;
import dev.lazypull.agent.snapshots.Snapshot;
import dev.lazypull.agent.snapshots.SnapshotException;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * containerd's Snapshots service (proxy plugin {@code lazypull}) over an {@link
 * OverlaySnapshotter}. Every failure becomes the status containerd expects (errdefs: NotFound,
 * AlreadyExists, InvalidArgument, FailedPrecondition, Unavailable; anything unexpected Internal
 * with its message), so no request can take the agent down. Handlers block (disk, database, a
 * mount's registry round trips): serve it with a virtual-thread executor.
 */
public final class SnapshotsService extends SnapshotsGrpc.SnapshotsImplBase implements AutoCloseable {
  /** The snapshots directory by default: under containerd's root, where kubelet on containerd 1.6 counts image-fs use. */
  public static final Path DEFAULT_ROOT = Path.of("/var/lib/containerd/io.containerd.snapshotter.v1.lazypull");
  private static final System.Logger LOG = System.getLogger(SnapshotsService.class.getName());
  private static final int INFOS_PER_MESSAGE = 100;

  private final OverlaySnapshotter snapshotter;

  public SnapshotsService(OverlaySnapshotter snapshotter) {
    this.snapshotter = snapshotter;
  }

  /**
   * The service over the snapshots at {@code root} (recovered from whatever a crash left),
   * mounting lazy chains through {@code mounter} and counting fallbacks in {@code meters}.
   */
  public static SnapshotsService open(Path root, LazyChainMounter mounter, MeterRegistry meters) throws IOException {
    return new SnapshotsService(OverlaySnapshotter.open(root, mounter, meters));
  }

  public OverlaySnapshotter snapshotter() {
    return snapshotter;
  }

  @Override
  public void close() throws IOException {
    snapshotter.close();
  }

  @Override
  public void prepare(PrepareSnapshotRequest r, StreamObserver<PrepareSnapshotResponse> out) {
    answer("Prepare " + r.getKey(), out, () -> PrepareSnapshotResponse.newBuilder()
        .addAllMounts(mounts(snapshotter.prepare(r.getKey(), r.getParent(), r.getLabelsMap()))).build());
  }

  @Override
  public void view(ViewSnapshotRequest r, StreamObserver<ViewSnapshotResponse> out) {
    answer("View " + r.getKey(), out, () -> ViewSnapshotResponse.newBuilder()
        .addAllMounts(mounts(snapshotter.view(r.getKey(), r.getParent(), r.getLabelsMap()))).build());
  }

  @Override
  public void mounts(MountsRequest r, StreamObserver<MountsResponse> out) {
    answer("Mounts " + r.getKey(), out, () -> MountsResponse.newBuilder().addAllMounts(mounts(snapshotter.mounts(r.getKey()))).build());
  }

  @Override
  public void commit(CommitSnapshotRequest r, StreamObserver<Empty> out) {
    answer("Commit " + r.getKey(), out, () -> {
      snapshotter.commit(r.getName(), r.getKey(), r.getLabelsMap());
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public void remove(RemoveSnapshotRequest r, StreamObserver<Empty> out) {
    answer("Remove " + r.getKey(), out, () -> {
      snapshotter.remove(r.getKey());
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public void stat(StatSnapshotRequest r, StreamObserver<StatSnapshotResponse> out) {
    answer("Stat " + r.getKey(), out, () -> StatSnapshotResponse.newBuilder().setInfo(info(snapshotter.stat(r.getKey()))).build());
  }

  @Override
  public void update(UpdateSnapshotRequest r, StreamObserver<UpdateSnapshotResponse> out) {
    answer("Update " + r.getInfo().getName(), out, () -> UpdateSnapshotResponse.newBuilder()
        .setInfo(info(snapshotter.update(r.getInfo().getName(), r.getInfo().getLabelsMap(), r.getUpdateMask().getPathsList())))
        .build());
  }

  @Override
  public void usage(UsageRequest r, StreamObserver<UsageResponse> out) {
    answer("Usage " + r.getKey(), out, () -> {
      OverlaySnapshotter.Usage u = snapshotter.usage(r.getKey());
      return UsageResponse.newBuilder().setSize(u.bytes()).setInodes(u.inodes()).build();
    });
  }

  @Override
  public void list(ListSnapshotsRequest r, StreamObserver<ListSnapshotsResponse> out) {
    try {
      SnapshotFilter filter = SnapshotFilter.parse(r.getFiltersList());
      List<Info> batch = new ArrayList<>();
      for (Snapshot s : snapshotter.list()) {
        if (filter.matches(s)) {
          batch.add(info(s));
          if (batch.size() == INFOS_PER_MESSAGE) {
            out.onNext(ListSnapshotsResponse.newBuilder().addAllInfo(batch).build());
            batch.clear();
          }
        }
      }
      if (!batch.isEmpty()) {
        out.onNext(ListSnapshotsResponse.newBuilder().addAllInfo(batch).build());
      }
      out.onCompleted();
    } catch (SnapshotFilter.FilterSyntaxException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    } catch (IOException | RuntimeException e) {
      out.onError(internal("List", e));
    }
  }

  @Override
  public void cleanup(CleanupRequest r, StreamObserver<Empty> out) {
    answer("Cleanup", out, () -> {
      snapshotter.cleanup();
      return Empty.getDefaultInstance();
    });
  }

  @FunctionalInterface
  private interface Call<T> {
    T run() throws IOException, SnapshotException;
  }

  private static <T> void answer(String what, StreamObserver<T> out, Call<T> call) {
    T result;
    long start = System.nanoTime();
    try {
      result = call.run();
    } catch (SnapshotException e) {
      logTime(what, start, e.reason().name());
      out.onError(status(e).withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (IOException | RuntimeException e) {
      logTime(what, start, "INTERNAL");
      out.onError(internal(what, e));
      return;
    }
    logTime(what, start, "OK");
    out.onNext(result);
    out.onCompleted();
  }

  /** Each call's time in the agent log (debug): where a container's start spends it on this side. */
  private static void logTime(String what, long start, String outcome) {
    if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
      LOG.log(System.Logger.Level.DEBUG, String.format(java.util.Locale.ROOT, "%s: %s in %.1f ms", what, outcome,
          (System.nanoTime() - start) / 1e6));
    }
  }

  /** The gRPC code containerd's errdefs turns back into the matching error. */
  static Status status(SnapshotException e) {
    return switch (e.reason()) {
      case NOT_FOUND -> Status.NOT_FOUND;
      case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case UNAVAILABLE -> Status.UNAVAILABLE;
    };
  }

  private static RuntimeException internal(String what, Exception e) {
    LOG.log(System.Logger.Level.ERROR, what + " failed", e);
    return Status.INTERNAL.withDescription(what + ": " + e).asRuntimeException();
  }

  private static List<Mount> mounts(List<MountSpec> specs) {
    return specs.stream().map(m -> Mount.newBuilder().setType(m.type()).setSource(m.source()).addAllOptions(m.options()).build()).toList();
  }

  static Info info(Snapshot s) {
    return Info.newBuilder()
        .setName(s.key())
        .setParent(s.parentKey())
        .setKind(kind(s.kind()))
        .setCreatedAt(timestamp(s.created()))
        .setUpdatedAt(timestamp(s.updated()))
        .putAllLabels(s.labels())
        .build();
  }

  private static dev.lazypull.agent.containerd.proto.Kind kind(Kind k) {
    return switch (k) {
      case VIEW -> dev.lazypull.agent.containerd.proto.Kind.VIEW;
      case ACTIVE -> dev.lazypull.agent.containerd.proto.Kind.ACTIVE;
      case COMMITTED -> dev.lazypull.agent.containerd.proto.Kind.COMMITTED;
    };
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
