package dev.lazypull.benchmarks.pulltime;

import java.util.List;

/** The runs of one case reduced to what the table shows: median, min and max time, medians of the rest. */
public record Summary(
    String benchmark,
    String image,
    String method,
    String cache,
    String workload,
    int runs,
    double medianSeconds,
    double minSeconds,
    double maxSeconds,
    double medianMountSeconds,
    long medianBytesFetched,
    long medianRangeRequests,
    long medianBytesRead,
    long medianLinkBytes,
    long imageBytes,
    double maxLoad1) {

  public static Summary of(List<RunRecord> runs) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("no runs to summarise");
    }
    RunRecord first = runs.getFirst();
    double[] t = runs.stream().mapToDouble(RunRecord::seconds).sorted().toArray();
    return new Summary(
        first.benchmark(),
        first.image(),
        first.method(),
        first.cache(),
        first.workload(),
        runs.size(),
        median(t),
        t[0],
        t[t.length - 1],
        median(runs.stream().mapToDouble(RunRecord::mountSeconds).sorted().toArray()),
        (long) median(runs.stream().mapToDouble(RunRecord::bytesFetched).sorted().toArray()),
        (long) median(runs.stream().mapToDouble(RunRecord::rangeRequests).sorted().toArray()),
        (long) median(runs.stream().mapToDouble(RunRecord::bytesRead).sorted().toArray()),
        (long) median(runs.stream().mapToDouble(RunRecord::linkBytes).sorted().toArray()),
        first.imageBytes(),
        runs.stream().mapToDouble(RunRecord::load1).max().orElse(-1));
  }

  /** The median of sorted values (mean of the middle two for an even count). */
  static double median(double[] sorted) {
    int n = sorted.length;
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** Cases match across methods when all but the method agree. */
  public String pairKey() {
    return String.join("|", benchmark, image, cache, workload);
  }
}
