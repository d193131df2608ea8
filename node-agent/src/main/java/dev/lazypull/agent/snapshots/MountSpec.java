package dev.lazypull.agent.snapshots;

import java.util.List;

/** One mount containerd performs to use a snapshot, as mount(8) takes it. */
public record MountSpec(String type, String source, List<String> options) {
  public MountSpec {
    options = List.copyOf(options);
  }
}
