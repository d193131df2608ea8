package dev.lazypull.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lazypull.agent.control.ControlProtocol;
import dev.lazypull.agent.control.ControlReply;
import dev.lazypull.agent.control.ControlRequest;
import dev.lazypull.agent.mounts.MountRegistry;
import dev.lazypull.agent.mounts.MountRegistry.MountInfo;
import dev.lazypull.agent.mounts.MountRegistry.Mounted;
import dev.lazypull.lazyfs.prefetch.PrefetchSettings;
import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** Answers the control socket's requests from the mount registry. */
final class AgentControl {
  private final MountRegistry mounts;
  private final ReadStats cacheStats;

  AgentControl(MountRegistry mounts, ReadStats cacheStats) {
    this.mounts = mounts;
    this.cacheStats = cacheStats;
  }

  ControlReply handle(ControlRequest request) {
    try {
      return switch (request) {
        case ControlRequest.Mount m -> {
          MountInfo info = mounts.mount(m.image(), m.mountPoint(), m.insecureRegistries(), m.fetchTimeout(),
              PrefetchSettings.defaults().withList(m.prefetch()).withBackground(m.backgroundFetch()));
          yield new ControlReply.Ok(json(info));
        }
        case ControlRequest.Umount u -> mounts.umount(u.mountPoint())
            // agentStopping: that was the last mount of an agent that exits when idle, so the client
            // can wait for the exit and its caller may then remove the agent's root.
            ? new ControlReply.Ok(ControlProtocol.newObject().put("unmounted", u.mountPoint().toString())
                .put("agentStopping", mounts.isStopping()))
            : new ControlReply.Error(u.mountPoint() + " is not a lazypull mount of this agent");
        case ControlRequest.ListMounts l -> {
          ArrayNode list = ControlProtocol.newArray();
          mounts.list().forEach(m -> list.add(json(m.info())));
          yield new ControlReply.Ok(list);
        }
        case ControlRequest.Stats s -> stats(s);
      };
    } catch (IOException | IllegalArgumentException e) {
      return new ControlReply.Error(e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  /**
   * A mount's counters, or the node's: the mounts' read-path counters (summed for the node) plus
   * the shared cache's own (evictions, dropped writes, sizes), which no single mount owns.
   */
  private ControlReply stats(ControlRequest.Stats s) {
    List<Mounted> of;
    ObjectNode o = ControlProtocol.newObject();
    if (s.mountPoint() == null) {
      of = mounts.list();
      o.put("mounts", of.size());
      ObjectNode refused = o.putObject("mountsRefused");
      mounts.refusals().forEach((why, n) -> refused.put(why.name().toLowerCase(java.util.Locale.ROOT), n));
    } else {
      Optional<Mounted> m = mounts.find(s.mountPoint());
      if (m.isEmpty()) {
        return new ControlReply.Error(s.mountPoint() + " is not a lazypull mount of this agent");
      }
      of = List.of(m.get());
    }
    for (ReadStat stat : ReadStat.values()) {
      long sum = cacheStats.value(stat);
      for (Mounted m : of) {
        sum += m.stats().value(stat);
      }
      o.put(stat.key(), sum);
    }
    if (of.size() == 1) {
      // percentiles do not add up, so only one mount's are shown: its own
      of.getFirst().stats().snapshot().latency().asMap().forEach(o::put);
    }
    return new ControlReply.Ok(o);
  }

  private static ObjectNode json(MountInfo info) {
    return ControlProtocol.newObject()
        .put("image", info.image())
        .put("mountPoint", info.mountPoint().toString())
        .put("manifest", info.manifestDigest())
        .put("mountedAt", info.mountedAt().toString());
  }
}
