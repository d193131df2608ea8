package dev.lazypull.agent;

import dev.lazypull.registry.RegistryOptions;
import java.net.InetSocketAddress;

/**
 * How an agent runs. {@code cacheBytes} bounds the node's disk chunk cache, {@code memoryBytes}
 * its memory tier; {@code metrics} (null: none) is where Prometheus scrapes {@code /metrics};
 * {@code exitWhenIdle} makes the agent stop once it serves no mount (an agent {@code lazypull
 * mount} started in the background; one started by hand or by systemd stays). {@code registry} says
 * how every mount reaches its registry (a mount request may add plain-HTTP hosts).
 */
public record AgentConfig(AgentPaths paths, long cacheBytes, long memoryBytes, InetSocketAddress metrics,
    boolean exitWhenIdle, RegistryOptions registry) {

  public static final long DEFAULT_CACHE_BYTES = 10L << 30;
  public static final long DEFAULT_MEMORY_BYTES = 256L << 20;

  public AgentConfig {
    if (cacheBytes <= 0) {
      throw new IllegalArgumentException("cache size must be positive: " + cacheBytes);
    }
    if (memoryBytes < 0) {
      throw new IllegalArgumentException("memory cache size must not be negative: " + memoryBytes);
    }
  }
}
