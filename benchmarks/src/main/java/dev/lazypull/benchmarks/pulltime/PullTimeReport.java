package dev.lazypull.benchmarks.pulltime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Turns the runs the pull-time benchmarks logged ({@code runs.jsonl}) into the results: a
 * markdown table ({@code pulltime.md}), the same figures as JSON ({@code pulltime.json}) and a
 * plot of time to first run against image size, one series per method ({@code pulltime.png}).
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.lazypull.benchmarks.pulltime.PullTimeReport RESULTS_DIR [SETTINGS]}
 */
public final class PullTimeReport {
  /** How the table names each method. */
  private static final Map<String, String> METHODS = Map.of(
      "ctr", "containerd: ctr pull + run",
      "full", "harness full pull",
      "ctr-lazy", "containerd + lazypull agent",
      "lazy", "lazypull mount",
      "agent", "mount in a running JVM");

  private static final List<String> METHOD_ORDER = List.of("ctr", "full", "ctr-lazy", "lazy", "agent");

  /** The rows the others are compared with: containerd's own pull, else (older runs) the harness's full pull. */
  private static final List<String> BASELINES = List.of("ctr", "full");

  private PullTimeReport() {}

  public static void main(String[] args) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Path dir = Path.of(args.length > 0 ? args[0] : "benchmarks/results");
    String settings = args.length > 1 ? args[1] : "";
    List<RunRecord> runs = RunLog.read(dir);
    if (runs.isEmpty()) {
      System.err.println("no runs in " + dir.resolve(RunLog.FILE) + ": run the benchmarks first (benchmarks/run-pulltime.sh)");
      System.exit(1);
    }
    List<Summary> summaries = summarise(runs);
    String md = markdown(summaries, runs, settings);
    Files.writeString(dir.resolve("pulltime.md"), md);
    writeJson(dir.resolve("pulltime.json"), summaries, runs, settings);
    plot(summaries, dir.resolve("pulltime.png"));
    System.out.println(md);
    System.out.println("written: " + dir.resolve("pulltime.md") + ", " + dir.resolve("pulltime.json") + ", " + dir.resolve("pulltime.png"));
  }

  static List<Summary> summarise(List<RunRecord> runs) {
    Map<String, List<RunRecord>> byCase = runs.stream().collect(Collectors.groupingBy(RunRecord::caseKey, LinkedHashMap::new, Collectors.toList()));
    return byCase.values().stream()
        .map(Summary::of)
        .sorted(Comparator.comparing(Summary::benchmark).thenComparing(Summary::imageBytes)
            .thenComparing(Summary::workload).thenComparing(Summary::cache)
            .thenComparing(s -> METHOD_ORDER.indexOf(s.method())))
        .toList();
  }

  static String markdown(List<Summary> summaries, List<RunRecord> runs, String settings) {
    StringBuilder b = new StringBuilder();
    b.append("| image (compressed) | workload | cache | method | time to first run: median (min–max) | vs baseline"
        + " | pull / mount | fetched over the link | range requests | served to reads |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|\n");
    Map<String, Summary> baselines = baselines(summaries);
    for (Summary s : summaries) {
      Summary base = baselines.get(s.pairKey());
      boolean lazy = LAZY.contains(s.method());
      b.append(String.format(Locale.ROOT, "| %s (%s) | `%s` | %s | %s | %s | %s | %.2f s | %s | %s | %s |%n",
          s.image(), mib(s.imageBytes()), Workload.parse(s.workload()).display(), s.cache(), METHODS.getOrDefault(s.method(), s.method()),
          times(s),
          base != null && base != s ? String.format(Locale.ROOT, "%.2f×", base.medianSeconds() / s.medianSeconds()) : "–",
          s.medianMountSeconds(),
          mib(s.medianLinkBytes()) + String.format(Locale.ROOT, " (%.1f%%)", 100.0 * s.medianLinkBytes() / Math.max(1, s.imageBytes())),
          lazy && s.medianRangeRequests() >= 0 ? Long.toString(s.medianRangeRequests()) : "–",
          lazy && s.medianBytesRead() >= 0 ? mib(s.medianBytesRead()) : "–"));
    }
    b.append('\n');
    String baselineNames = summaries.stream().map(Summary::method).filter(BASELINES::contains).distinct()
        .sorted(Comparator.comparingInt(BASELINES::indexOf)).findFirst().map(METHODS::get).orElse("none");
    b.append("Baseline (the \"vs baseline\" column: its median time over the row's): ").append(baselineNames)
        .append(". Fetched over the link: bytes the emulated link carried from the registry during the timed run, HTTP included.  \n");
    double linkMbit = runs.stream().mapToDouble(RunRecord::linkMbit).average().orElse(Double.NaN);
    double linkRtt = runs.stream().mapToDouble(RunRecord::linkRttMs).average().orElse(Double.NaN);
    double maxLoad = runs.stream().mapToDouble(RunRecord::load1).max().orElse(-1);
    double minLoad = runs.stream().mapToDouble(RunRecord::load1).min().orElse(-1);
    if (!settings.isBlank()) {
      b.append("Settings: ").append(settings).append(".  \n");
    }
    b.append(String.format(Locale.ROOT,
        "Link as measured at the start of each trial (timed blob download through the emulator): %.0f Mbit/s, RTT %.1f ms (means).  %n", linkMbit, linkRtt));
    b.append(String.format(Locale.ROOT,
        "Machine: %d CPUs, 1-minute load average %.2f–%.2f during the runs; %s at report time. Runs per case: %s.%n",
        Runtime.getRuntime().availableProcessors(), minLoad, maxLoad, MachineLoad.sample(),
        summaries.stream().map(s -> Integer.toString(s.runs())).distinct().collect(Collectors.joining("/"))));
    return b.toString();
  }

  private static final List<String> LAZY = List.of("ctr-lazy", "lazy", "agent");

  /** Per case (all but the method), the baseline row: containerd's pull when the run has it, else the harness's full pull. */
  static Map<String, Summary> baselines(List<Summary> summaries) {
    Map<String, Summary> byPair = new LinkedHashMap<>();
    for (String method : BASELINES.reversed()) {
      for (Summary s : summaries) {
        if (s.method().equals(method)) {
          byPair.put(s.pairKey(), s);
        }
      }
    }
    return byPair;
  }

  private static String times(Summary s) {
    if (s == null) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.2f s (%.2f–%.2f)", s.medianSeconds(), s.minSeconds(), s.maxSeconds());
  }

  static String mib(long bytes) {
    if (bytes < 0) {
      return "?";
    }
    if (bytes < 1024) {
      return bytes + " B";
    }
    return bytes < 1024 * 1024
        ? String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0)
        : String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }

  private static void writeJson(Path file, List<Summary> summaries, List<RunRecord> runs, String settings) throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("generated", Instant.now().toString());
    doc.put("settings", settings);
    doc.put("machine", MachineLoad.sample());
    doc.put("summaries", summaries);
    doc.put("runs", runs);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), doc);
  }

  /** Median time to first run against compressed image size, one series per method and workload, cold cache. */
  static void plot(List<Summary> summaries, Path png) throws IOException {
    XYChart chart =
        new XYChartBuilder().width(900).height(720).title("Time to first successful run (cold cache)")
            .xAxisTitle("image size, compressed (MiB)").yAxisTitle("seconds (median)").build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Vertical);
    chart.getStyler().setMarkerSize(9);
    chart.getStyler().setXAxisDecimalPattern("#0.0");
    chart.getStyler().setYAxisMin(0.0);
    Map<String, List<Summary>> series = new LinkedHashMap<>();
    for (Summary s : summaries) {
      if (s.cache().equals("cold") && s.benchmark().equals("PullTimeBenchmark")) {
        series.computeIfAbsent(METHODS.getOrDefault(s.method(), s.method()) + " · " + Workload.parse(s.workload()).display(), k -> new ArrayList<>()).add(s);
      }
    }
    if (series.isEmpty()) {
      summaries.forEach(s -> series.computeIfAbsent(s.method() + " · " + s.workload() + " · " + s.cache(), k -> new ArrayList<>()).add(s));
    }
    for (Map.Entry<String, List<Summary>> e : series.entrySet()) {
      List<Summary> points = e.getValue().stream().sorted(Comparator.comparingLong(Summary::imageBytes)).toList();
      double[] x = points.stream().mapToDouble(s -> s.imageBytes() / (1024.0 * 1024)).toArray();
      double[] y = points.stream().mapToDouble(Summary::medianSeconds).toArray();
      XYSeries xy = chart.addSeries(e.getKey(), x, y);
      xy.setMarker(e.getKey().startsWith(METHODS.get("ctr")) || e.getKey().startsWith(METHODS.get("full")) ? SeriesMarkers.SQUARE : SeriesMarkers.CIRCLE);
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
