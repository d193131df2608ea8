package dev.lazypull.benchmarks.pulltime;

/**
 * One measured run: a pull (full or lazy) of one image until the first successful run of the
 * workload. Sizes in bytes, times in seconds. For lazy runs {@code mountSeconds},
 * {@code rangeRequests} come from the mount; for full pulls mount time is the overlay mount's and
 * range requests are 0 (whole blobs).
 *
 * @param image the test image's name ({@code minbase}, {@code python}, {@code related})
 * @param imageBytes the original image's compressed size (what a full pull fetches when cold)
 * @param bytesFetched what the method says it fetched (layer bytes, or chunk bytes for lazy); -1 when it does not say
 * @param bytesRead bytes the workload read from the image's files (from the mount's stats; -1 when unknown)
 * @param linkBytes bytes the link carried from the registry during the timed run, HTTP included, counted by the emulator
 * @param load1 the 1-minute load average when the run started
 * @param linkMbit the link's rate as measured by a timed download when the trial began
 * @param linkRttMs the link's RTT as measured then
 */
public record RunRecord(
    String benchmark,
    String image,
    String method,
    String cache,
    String workload,
    int iteration,
    double seconds,
    double mountSeconds,
    long bytesFetched,
    long rangeRequests,
    long bytesRead,
    long linkBytes,
    long imageBytes,
    double load1,
    double linkMbit,
    double linkRttMs) {

  /** The case this run belongs to: everything but the iteration and the measurements. */
  public String caseKey() {
    return String.join("|", benchmark, image, method, cache, workload);
  }
}
