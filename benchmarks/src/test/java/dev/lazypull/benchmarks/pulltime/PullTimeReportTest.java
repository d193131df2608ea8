package dev.lazypull.benchmarks.pulltime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PullTimeReportTest {
  @TempDir Path dir;

  private static RunRecord run(String method, String cache, int i, double seconds, long fetched) {
    return new RunRecord("PullTimeBenchmark", "python", method, cache, "numpy", i, seconds, 0.2, fetched,
        method.equals("lazy") ? 12 : 0, 9_000_000, fetched + 4096, 120L << 20, 1.5, 940, 10.4);
  }

  @Test
  void summarisesMedianMinMaxAndPairsTheMethods() throws Exception {
    for (RunRecord r : List.of(
        run("full", "cold", 0, 9.0, 120L << 20), run("full", "cold", 1, 7.0, 120L << 20), run("full", "cold", 2, 8.0, 120L << 20),
        run("lazy", "cold", 0, 2.0, 10L << 20), run("lazy", "cold", 1, 4.0, 10L << 20),
        run("lazy", "cold", 2, 1.0, 10L << 20), run("lazy", "cold", 3, 3.0, 10L << 20))) {
      RunLog.append(dir, r);
    }
    List<RunRecord> runs = RunLog.read(dir);
    assertThat(runs).hasSize(7);

    List<Summary> s = PullTimeReport.summarise(runs);
    Summary full = s.stream().filter(x -> x.method().equals("full")).findFirst().orElseThrow();
    Summary lazy = s.stream().filter(x -> x.method().equals("lazy")).findFirst().orElseThrow();
    assertThat(full.medianSeconds()).isEqualTo(8.0);
    assertThat(full.minSeconds()).isEqualTo(7.0);
    assertThat(full.maxSeconds()).isEqualTo(9.0);
    assertThat(lazy.medianSeconds()).isEqualTo(2.5);
    assertThat(lazy.runs()).isEqualTo(4);

    PullTimeReport.main(new String[] {dir.toString(), "1 Gbit/s, 10 ms RTT"});
    String md = Files.readString(dir.resolve("pulltime.md"));
    assertThat(md).contains("| python (120.0 MiB) | `python3 -c \"import numpy\"` | cold | harness full pull | 8.00 s (7.00–9.00) | – |");
    assertThat(md).contains("| python (120.0 MiB) | `python3 -c \"import numpy\"` | cold | lazypull mount"
        + " | 2.50 s (1.00–4.00) | 3.20× | 0.20 s | 10.0 MiB (8.3%) | 12 | 8.6 MiB |");
    assertThat(md).contains("Baseline (the \"vs baseline\" column: its median time over the row's): harness full pull");
    assertThat(md).contains("10.0 MiB (8.3%)").contains("940 Mbit/s").contains("1 Gbit/s, 10 ms RTT");
    assertThat(Files.readString(dir.resolve("pulltime.json"))).contains("\"medianSeconds\" : 2.5");
    assertThat(ImageIO.read(dir.resolve("pulltime.png").toFile()).getWidth()).isEqualTo(900);
  }

  @Test
  void containerdsOwnPullIsTheBaselineWhenTheRunHasIt() throws Exception {
    for (RunRecord r : List.of(
        run("full", "cold", 0, 8.0, 120L << 20), run("ctr", "cold", 0, 16.0, -1), run("ctr", "cold", 1, 18.0, -1),
        run("ctr-lazy", "cold", 0, 4.0, 10L << 20), run("lazy", "cold", 0, 2.0, 10L << 20))) {
      RunLog.append(dir, r);
    }
    PullTimeReport.main(new String[] {dir.toString()});
    List<String> rows = Files.readAllLines(dir.resolve("pulltime.md")).stream().filter(l -> l.startsWith("| python")).toList();

    assertThat(rows).hasSize(4);
    assertThat(rows.get(0)).contains("| containerd: ctr pull + run | 17.00 s (16.00–18.00) | – |");
    assertThat(rows.get(1)).contains("| harness full pull | 8.00 s (8.00–8.00) | 2.13× |");
    assertThat(rows.get(2)).contains("| containerd + lazypull agent | 4.00 s (4.00–4.00) | 4.25× |");
    assertThat(rows.get(3)).contains("| lazypull mount | 2.00 s (2.00–2.00) | 8.50× |");
    assertThat(Files.readString(dir.resolve("pulltime.md"))).contains("its median time over the row's): containerd: ctr pull + run.");
  }
}
