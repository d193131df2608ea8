package dev.lazypull.agent.snapshots;

import java.time.Instant;
import java.util.Map;

/**
 * One snapshot as the store holds it. Its directories are named by {@code id}, never by the key,
 * so no key can reach outside the snapshots root.
 *
 * @param parentId  the parent's id, 0 for none
 * @param parentKey the parent's key, "" for none
 * @param lazy      for a committed lazy layer, the chain it mounts; null for an ordinary snapshot
 * @param mounted   for a lazy snapshot: its chain was mounted (and is mounted again after a restart)
 */
public record Snapshot(long id, String key, long parentId, String parentKey, Kind kind, Instant created, Instant updated,
                       Map<String, String> labels, LazyChain lazy, boolean mounted) {
  public Snapshot {
    labels = Map.copyOf(labels);
  }

  public boolean isLazy() {
    return lazy != null;
  }

  public boolean hasParent() {
    return parentId != 0;
  }
}
