package dev.lazypull.agent;

import dev.lazypull.agent.containerd.SnapshotsService;
import java.nio.file.Path;

/**
 * Where an agent keeps things. {@code root} (default {@value #DEFAULT_ROOT}) holds the chunk cache,
 * the database and the snapshots; {@code runDir} (default {@value #DEFAULT_RUN_DIR}) holds the
 * sockets, the lock that makes one agent per run directory, and the log of an agent started in
 * the background.
 */
public record AgentPaths(Path root, Path runDir) {
  public static final String DEFAULT_ROOT = "/var/lib/lazypull";
  public static final String DEFAULT_RUN_DIR = "/run/lazypull";

  public AgentPaths {
    root = root.toAbsolutePath().normalize();
    runDir = runDir.toAbsolutePath().normalize();
  }

  /** The control socket: mount, umount, list, stats. */
  public Path controlSocket() {
    return runDir.resolve("agent.sock");
  }

  /** containerd's proxy-plugin gRPC socket; the agent is ready when it accepts. */
  public Path containerdSocket() {
    return runDir.resolve("containerd.sock");
  }

  public Path lockFile() {
    return runDir.resolve("agent.lock");
  }

  /** The log of an agent that {@code lazypull mount} started in the background. */
  public Path backgroundLog() {
    return runDir.resolve("agent.log");
  }

  /**
   * containerd's snapshots (upper and work directories, unpacked layers, lazy chains' mount
   * points) and their database. With the default root, under containerd's own root, where kubelet
   * on containerd 1.6 counts image-filesystem use; with another root, under it.
   */
  public Path snapshotsDir() {
    return root.equals(Path.of(DEFAULT_ROOT)) ? SnapshotsService.DEFAULT_ROOT : root.resolve("snapshots");
  }

  /** The agent's mount records (docs/decisions/0012): what it takes back at start. */
  public Path mountDatabase() {
    return root.resolve("mounts.db");
  }

  /** Local copies of the mounted images' metadata (manifest, config, TOCs), for a restart without the network. */
  public Path imageCopies() {
    return root.resolve("images");
  }

  /**
   * The socket of the holder that keeps the mounts' FUSE connections when the agent does not run
   * under systemd (with its lock, pid and log beside it).
   */
  public Path holderSocket() {
    return runDir.resolve("holder.sock");
  }

  /** The node-wide chunk cache. */
  public Path cacheDir() {
    return root.resolve("cache");
  }

  /**
   * The containerd configuration (config.toml, version 2) that makes containerd use this agent:
   * the proxy plugin on {@link #containerdSocket()} and CRI's snapshotter, with the snapshot
   * annotations passed on (the remote-snapshot handshake needs them).
   */
  public String containerdConfig() {
    return """
        # lazypull: containerd uses the agent as its remote snapshotter "lazypull".
        [proxy_plugins]
          [proxy_plugins.lazypull]
            type = "snapshot"
            address = "%s"

        [plugins."io.containerd.grpc.v1.cri".containerd]
          snapshotter = "lazypull"
          disable_snapshot_annotations = false
        """.formatted(containerdSocket());
  }
}
