package dev.lazypull.agent;

import dev.lazypull.format.IndexBudget;
import dev.lazypull.registry.RegistryOptions;
import java.net.InetSocketAddress;

/**
 * How an agent runs. {@code cacheBytes} bounds the node's disk chunk cache, {@code memoryBytes}
 * its memory tier; {@code metrics} (null: none) is where Prometheus scrapes {@code /metrics};
 * {@code exitWhenIdle} makes the agent stop once it serves no mount (an agent {@code lazypull
 * mount} started in the background; one started by hand or by systemd stays). {@code registry} says
 * how every mount reaches its registry (a mount request may add plain-HTTP hosts). {@code indexBytes}
 * bounds the memory all the agent's image indexes may take together (and so each one): an image
 * that would pass it is refused (docs/decisions/0010-hostile-images.md); size the heap for it.
 * {@code backgroundFetch} lets mounts fetch the rest of their image in the background once the
 * recorded start-up list is done (docs/decisions/0009-recorded-prefetch.md); off, no mount does,
 * whatever it asks, and containerd's chains neither. {@code warmUp} runs a first pull's paths on a
 * built-in image once the agent is ready, before it has served any (docs/decisions/0017); an agent
 * that exits when idle never does (the mount it was started for comes at once).
 */
public record AgentConfig(AgentPaths paths, long cacheBytes, long memoryBytes, InetSocketAddress metrics,
    boolean exitWhenIdle, RegistryOptions registry, long indexBytes, boolean backgroundFetch, boolean warmUp) {

  public static final long DEFAULT_CACHE_BYTES = 10L << 30;
  public static final long DEFAULT_MEMORY_BYTES = 256L << 20;

  public AgentConfig {
    if (cacheBytes <= 0) {
      throw new IllegalArgumentException("cache size must be positive: " + cacheBytes);
    }
    if (memoryBytes < 0) {
      throw new IllegalArgumentException("memory cache size must not be negative: " + memoryBytes);
    }
    if (indexBytes <= 0) {
      throw new IllegalArgumentException("index memory bound must be positive: " + indexBytes);
    }
  }

  /** With the warm-up unless it exits when idle. */
  public AgentConfig(AgentPaths paths, long cacheBytes, long memoryBytes, InetSocketAddress metrics, boolean exitWhenIdle,
      RegistryOptions registry, long indexBytes, boolean backgroundFetch) {
    this(paths, cacheBytes, memoryBytes, metrics, exitWhenIdle, registry, indexBytes, backgroundFetch, !exitWhenIdle);
  }

  /** With background fetch on. */
  public AgentConfig(AgentPaths paths, long cacheBytes, long memoryBytes, InetSocketAddress metrics, boolean exitWhenIdle,
      RegistryOptions registry, long indexBytes) {
    this(paths, cacheBytes, memoryBytes, metrics, exitWhenIdle, registry, indexBytes, true);
  }

  /** With the default index bound ({@link IndexBudget#DEFAULT_MAX_BYTES}) and background fetch on. */
  public AgentConfig(AgentPaths paths, long cacheBytes, long memoryBytes, InetSocketAddress metrics, boolean exitWhenIdle,
      RegistryOptions registry) {
    this(paths, cacheBytes, memoryBytes, metrics, exitWhenIdle, registry, IndexBudget.DEFAULT_MAX_BYTES);
  }
}
