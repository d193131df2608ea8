package dev.lazypull.registry;

import dev.lazypull.registry.hosts.HostsDirectory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * How {@link ImageStores} talks to registries. Start from {@link #defaults()} and change what is
 * needed with the {@code with...} methods.
 *
 * @param maxParallelRequests requests in flight per registry host (and so connections to it): the
 *     one bound on parallel requests, shared by every mount that reads through this client
 * @param connectTimeout TCP connect plus TLS handshake
 * @param readIdleTimeout longest silence while a response is awaited or its body streams
 * @param maxAttempts attempts for a transient failure of a call that carries no deadline of its
 *     caller (1 = no retry); a call with a deadline is retried while the next attempt fits in it
 * @param retryBaseDelay first backoff; doubled each attempt, with full jitter
 * @param maxRetryDelay cap of one backoff, and of a 429 Retry-After the client waits for
 * @param insecureRegistries host[:port]s reached over plain HTTP (loopback always is)
 * @param caBundle PEM file of extra trusted CAs, added to the JDK's; null for none
 * @param credentials where credentials come from
 * @param chunkedUploadThreshold blobs at least this big are uploaded in chunks
 * @param uploadChunkSize size of one upload chunk (PATCH)
 * @param hostsDirectory containerd's registry host configuration ({@code HOST/hosts.toml}:
 *     mirrors, CAs, skip_verify); null or a missing directory for none
 */
public record RegistryOptions(
    int maxParallelRequests,
    Duration connectTimeout,
    Duration readIdleTimeout,
    int maxAttempts,
    Duration retryBaseDelay,
    Duration maxRetryDelay,
    Set<String> insecureRegistries,
    Path caBundle,
    CredentialSource credentials,
    long chunkedUploadThreshold,
    int uploadChunkSize,
    Path hostsDirectory) {

  public RegistryOptions {
    if (maxParallelRequests < 1 || maxAttempts < 1 || uploadChunkSize < 1 || chunkedUploadThreshold < 1) {
      throw new IllegalArgumentException("parallel requests, attempts and upload sizes must be positive");
    }
    insecureRegistries = Set.copyOf(insecureRegistries);
  }

  /**
   * 8 parallel requests, 10 s connect, 30 s idle, 5 attempts from 200 ms backoff capped at 10 s,
   * credentials from docker's config.json and credential helpers, chunked uploads from 64 MiB,
   * mirrors and CAs from containerd's {@code /etc/containerd/certs.d} when it exists.
   */
  public static RegistryOptions defaults() {
    return new RegistryOptions(8, Duration.ofSeconds(10), Duration.ofSeconds(30), 5, Duration.ofMillis(200),
        Duration.ofSeconds(10), Set.of(), null, DockerCredentials.fromDockerConfig(), 64L << 20, 16 << 20,
        HostsDirectory.CONTAINERD_DEFAULT);
  }

  public RegistryOptions withMaxParallelRequests(int n) {
    return new RegistryOptions(n, connectTimeout, readIdleTimeout, maxAttempts, retryBaseDelay, maxRetryDelay, insecureRegistries, caBundle,
        credentials, chunkedUploadThreshold, uploadChunkSize, hostsDirectory);
  }

  public RegistryOptions withTimeouts(Duration connect, Duration readIdle) {
    return new RegistryOptions(maxParallelRequests, connect, readIdle, maxAttempts, retryBaseDelay, maxRetryDelay, insecureRegistries, caBundle,
        credentials, chunkedUploadThreshold, uploadChunkSize, hostsDirectory);
  }

  public RegistryOptions withRetries(int attempts, Duration baseDelay, Duration maxDelay) {
    return new RegistryOptions(maxParallelRequests, connectTimeout, readIdleTimeout, attempts, baseDelay, maxDelay, insecureRegistries, caBundle,
        credentials, chunkedUploadThreshold, uploadChunkSize, hostsDirectory);
  }

  public RegistryOptions withInsecureRegistries(Set<String> hosts) {
    return new RegistryOptions(maxParallelRequests, connectTimeout, readIdleTimeout, maxAttempts, retryBaseDelay, maxRetryDelay, hosts, caBundle,
        credentials, chunkedUploadThreshold, uploadChunkSize, hostsDirectory);
  }

  public RegistryOptions withCaBundle(Path pemFile) {
    return new RegistryOptions(maxParallelRequests, connectTimeout, readIdleTimeout, maxAttempts, retryBaseDelay, maxRetryDelay, insecureRegistries,
        pemFile, credentials, chunkedUploadThreshold, uploadChunkSize, hostsDirectory);
  }

  public RegistryOptions withCredentials(CredentialSource source) {
    return new RegistryOptions(maxParallelRequests, connectTimeout, readIdleTimeout, maxAttempts, retryBaseDelay, maxRetryDelay, insecureRegistries,
        caBundle, source, chunkedUploadThreshold, uploadChunkSize, hostsDirectory);
  }

  public RegistryOptions withChunkedUploads(long threshold, int chunkSize) {
    return new RegistryOptions(maxParallelRequests, connectTimeout, readIdleTimeout, maxAttempts, retryBaseDelay, maxRetryDelay, insecureRegistries,
        caBundle, credentials, threshold, chunkSize, hostsDirectory);
  }

  public RegistryOptions withHostsDirectory(Path directory) {
    return new RegistryOptions(maxParallelRequests, connectTimeout, readIdleTimeout, maxAttempts, retryBaseDelay, maxRetryDelay, insecureRegistries,
        caBundle, credentials, chunkedUploadThreshold, uploadChunkSize, directory);
  }
}
