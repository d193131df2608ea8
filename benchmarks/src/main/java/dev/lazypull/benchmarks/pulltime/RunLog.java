package dev.lazypull.benchmarks.pulltime;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The runs of a harness invocation, one JSON object per line in {@code runs.jsonl} under the
 * results directory. JMH forks a JVM per case; each appends its runs here (whole lines, opened in
 * append mode), and the report reads them all back.
 */
public final class RunLog {
  public static final String FILE = "runs.jsonl";
  /** Environment variable naming the results directory; forked JMH JVMs inherit it. */
  public static final String RESULTS_ENV = "LAZYPULL_BENCH_RESULTS";
  private static final ObjectMapper JSON = new ObjectMapper();

  private RunLog() {}

  /** The results directory: {@code $LAZYPULL_BENCH_RESULTS}, else {@code benchmarks/results} under the working dir. */
  public static Path resultsDir() throws IOException {
    String env = System.getenv(RESULTS_ENV);
    return Files.createDirectories(Path.of(env != null && !env.isBlank() ? env : "benchmarks/results"));
  }

  public static synchronized void append(Path dir, RunRecord r) throws IOException {
    String line = JSON.writeValueAsString(r) + "\n";
    Files.writeString(dir.resolve(FILE), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  public static List<RunRecord> read(Path dir) throws IOException {
    List<RunRecord> runs = new ArrayList<>();
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return runs;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        runs.add(JSON.readValue(line, RunRecord.class));
      }
    }
    return runs;
  }
}
