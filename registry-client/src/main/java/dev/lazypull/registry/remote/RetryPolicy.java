package dev.lazypull.registry.remote;

import dev.lazypull.oci.Deadline;
import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.RegistryException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The registry client's one retry policy. A failure is transient or permanent:
 *
 * <ul>
 *   <li>transient: no answer or a broken one (connection refused or reset, a stalled body, a
 *       short body), 5xx and 408 — for idempotent requests; 429 for every request, after its
 *       Retry-After when it gives one;
 *   <li>permanent: every other answer (404, 403, 416, 401 once re-authentication failed, 400...),
 *       TLS failures, and bytes that do not match their digest.
 * </ul>
 *
 * Transient failures are retried after exponential backoff with full jitter while the next
 * attempt fits before the caller's {@link Deadline}; a call without one makes at most {@code
 * maxAttempts} attempts. A permanent failure ends the call at once. Either way the call fails with
 * the last failure, which names the reference (blob and range for range reads) and the status.
 */
final class RetryPolicy {
  private final Backoff backoff;
  private final int maxAttempts;
  private final Duration maxRetryAfter;

  /** One try; throws on failure. */
  @FunctionalInterface
  interface Attempt<T> {
    T run() throws IOException;
  }

  RetryPolicy(Duration baseDelay, Duration maxDelay, int maxAttempts) {
    this.backoff = new Backoff(baseDelay, maxDelay);
    this.maxAttempts = maxAttempts;
    this.maxRetryAfter = maxDelay;
  }

  /** Which failures of a request are transient: {@code idempotent} says whether it may be repeated. */
  static Predicate<IOException> transientFor(boolean idempotent) {
    return e -> {
      if (e instanceof InterruptedIOException || e instanceof javax.net.ssl.SSLException) {
        return false;
      }
      if (e instanceof RegistryException re) {
        int status = re.httpStatus();
        if (status == 429) {
          return true; // the registry did not act on it: safe for any request
        }
        if (status >= 500 || status == 408) {
          return idempotent;
        }
        return status == 0 && idempotent && (re.code() == ErrorCode.CONNECTION || re.code() == ErrorCode.TIMEOUT);
      }
      return idempotent; // a transport failure not yet classified
    };
  }

  <T> T run(Deadline deadline, boolean idempotent, Attempt<T> attempt) throws IOException {
    return run(deadline, transientFor(idempotent), attempt);
  }

  <T> T run(Deadline deadline, Predicate<IOException> isTransient, Attempt<T> attempt) throws IOException {
    long start = System.nanoTime();
    for (int n = 1; ; n++) {
      try {
        return attempt.run();
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        Duration wait = nextWait(e, n, deadline, isTransient);
        if (wait == null) {
          throw n == 1 ? e : after(e, n, start);
        }
        Backoff.sleep(wait);
      }
    }
  }

  /**
   * Whether failure number {@code failures} may be followed by another attempt, and after how
   * long; null when not (permanent, attempts used up, or the wait would pass the deadline).
   */
  Duration nextWait(IOException failure, int failures, Deadline deadline, Predicate<IOException> isTransient) throws RegistryException {
    if (!isTransient.test(failure) || (deadline.isNone() && failures >= maxAttempts)) {
      return null;
    }
    Duration wait = failure instanceof RateLimitedException r && r.retryAfter() != null ? r.retryAfter() : backoff.delay(failures);
    if (failure instanceof RateLimitedException r && r.retryAfter() != null && wait.compareTo(maxRetryAfter) > 0) {
      throw new RegistryException(ErrorCode.TOOMANYREQUESTS, r.reference(), 429,
          "rate limited; the registry asks to wait " + wait.toSeconds() + " s, more than the " + maxRetryAfter.toSeconds() + " s allowed", r);
    }
    return deadline.remaining().compareTo(wait) > 0 ? wait : null;
  }

  private static IOException after(IOException last, int attempts, long startNanos) {
    String note = " (gave up after " + attempts + " attempts in " + Duration.ofNanos(System.nanoTime() - startNanos).toMillis() + " ms)";
    if (last instanceof RegistryException re) {
      return new RegistryException(re.code(), re.reference(), re.httpStatus(), re.detail() + note, re);
    }
    return new IOException(last.getMessage() + note, last);
  }

  /** A 429 answer, with the wait it asks for (null when it gives none or an unreadable one). */
  static final class RateLimitedException extends RegistryException {
    private final transient Duration retryAfter;

    RateLimitedException(RegistryException answer, Duration retryAfter) {
      super(answer.code(), answer.reference(), answer.httpStatus(), answer.detail(), null);
      this.retryAfter = retryAfter;
    }

    Duration retryAfter() {
      return retryAfter;
    }
  }
}
