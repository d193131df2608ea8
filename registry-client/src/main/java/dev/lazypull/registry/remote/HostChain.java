package dev.lazypull.registry.remote;

import dev.lazypull.oci.Deadline;
import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.RegistryException;
import dev.lazypull.registry.hosts.HostCapability;
import dev.lazypull.registry.remote.RegistryEndpoint.Call;
import dev.lazypull.registry.remote.RegistryEndpoint.Reader;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The hosts that serve one registry namespace, in the order they are tried (hosts.toml's mirrors,
 * then the upstream): a request goes to the first host with the capability it needs, and any
 * failure of a host that is not the last one (refused, reset, 5xx, 404 for a blob it lacks, a
 * bad answer) passes it to the next. The last host's answer is the answer.
 *
 * <p>A host that failed at the transport level or with 5xx/429 rests for {@link #REST_NANOS}:
 * requests skip it, so a stopped mirror costs one failed request, not one per range. Each such
 * failure is logged once when the host starts resting (and once when it serves again); other
 * fallbacks at most once a minute per host. Log lines name the host and the failure, never
 * credentials (the failure messages hold paths, not queries or headers).
 */
final class HostChain {
  private static final System.Logger LOG = System.getLogger(HostChain.class.getName());
  static final long REST_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long QUIET_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final List<RegistryEndpoint> endpoints;
  private final RetryPolicy retry;
  private final ConcurrentHashMap<RegistryEndpoint, Long> restingUntil = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<RegistryEndpoint, Long> lastLogged = new ConcurrentHashMap<>();

  /** A request built for one host (each host has its own URLs). */
  @FunctionalInterface
  interface CallFor {
    Call on(RegistryEndpoint endpoint) throws IOException;
  }

  HostChain(List<RegistryEndpoint> endpoints, RetryPolicy retry) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("a registry needs at least one host");
    }
    this.endpoints = List.copyOf(endpoints);
    this.retry = retry;
  }

  RetryPolicy retry() {
    return retry;
  }

  /** {@code call} on the push host alone, under the retry policy (no caller deadline). */
  <T> T onPushHost(Call call, Reader<T> reader) throws IOException {
    RegistryEndpoint e = first(HostCapability.PUSH, call.reference());
    return retry.run(Deadline.NONE, call.idempotent(), () -> e.execute(call, reader));
  }

  /** The hosts in order. */
  List<RegistryEndpoint> endpoints() {
    return endpoints;
  }

  /** The first host that may be asked {@code need}; push and tag listing go there alone. */
  RegistryEndpoint first(HostCapability need, String reference) throws RegistryException {
    for (RegistryEndpoint e : endpoints) {
      if (e.host().can(need)) {
        return e;
      }
    }
    throw noHost(need, reference);
  }

  /**
   * A read (idempotent) on the hosts that may be asked {@code need}, in order, retried as a whole
   * under the policy by {@code deadline}: each round asks the hosts that are not resting, and a
   * round fails when the last host fails.
   */
  <T> T execute(HostCapability need, String reference, Deadline deadline, CallFor calls, Reader<T> reader) throws IOException {
    List<RegistryEndpoint> able = endpoints.stream().filter(e -> e.host().can(need)).toList();
    if (able.isEmpty()) {
      throw noHost(need, reference);
    }
    return retry.run(deadline, true, () -> round(able, calls, reader));
  }

  private <T> T round(List<RegistryEndpoint> able, CallFor calls, Reader<T> reader) throws IOException {
    for (int i = 0; ; i++) {
      RegistryEndpoint e = able.get(i);
      boolean last = i == able.size() - 1;
      if (!last && resting(e)) {
        continue;
      }
      try {
        T value = e.execute(calls.on(e), reader);
        if (restingUntil.remove(e) != null) {
          LOG.log(System.Logger.Level.INFO, "registry host " + e.describe() + " serves again");
        }
        return value;
      } catch (InterruptedIOException x) {
        throw x;
      } catch (IOException x) {
        if (last) {
          throw x;
        }
        fellBack(e, x, able.get(i + 1));
      }
    }
  }

  private boolean resting(RegistryEndpoint e) {
    Long until = restingUntil.get(e);
    return until != null && System.nanoTime() - until < 0;
  }

  private void fellBack(RegistryEndpoint e, IOException failure, RegistryEndpoint next) {
    boolean hostDown = !(failure instanceof RegistryException re)
        || re.httpStatus() >= 500 || re.httpStatus() == 429
        || re.code() == ErrorCode.CONNECTION || re.code() == ErrorCode.TIMEOUT || re.code() == ErrorCode.TLS;
    long now = System.nanoTime();
    if (hostDown) {
      if (restingUntil.put(e, now + REST_NANOS) == null) {
        LOG.log(System.Logger.Level.WARNING, "registry host " + e.describe() + " failed (" + failure.getMessage()
            + "); using " + next.describe() + " and trying it again in " + TimeUnit.NANOSECONDS.toSeconds(REST_NANOS) + " s");
      }
      return;
    }
    Long before = lastLogged.get(e);
    if (before == null || now - before > QUIET_NANOS) {
      lastLogged.put(e, now);
      LOG.log(System.Logger.Level.INFO, "registry host " + e.describe() + " could not serve a request ("
          + failure.getMessage() + "); asking " + next.describe() + " (logged at most once a minute)");
    }
  }

  private RegistryException noHost(HostCapability need, String reference) {
    return new RegistryException(ErrorCode.UNSUPPORTED, reference, 0,
        "no configured host of this registry has the " + need.name().toLowerCase(java.util.Locale.ROOT) + " capability (hosts.toml)", null);
  }
}
