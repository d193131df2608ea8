package dev.lazypull.testkit.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real tools the tests use as builders and oracles (debootstrap, umoci, skopeo, tar). */
public final class Commands {

  /** Runs {@code command}, returns its stdout; throws with its output when it fails or times out. */
  public static String run(long timeoutSeconds, Path dir, Map<String, String> env, List<String> command)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    if (env != null) {
      pb.environment().putAll(env);
    }
    Process p = pb.start();
    p.getOutputStream().close();
    // Read while it runs so a chatty tool never blocks on a full pipe.
    java.util.concurrent.CompletableFuture<String> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(output unreadable: " + e + ")";
      }
    }, r -> Thread.ofVirtual().start(r));
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IOException("timed out after " + timeoutSeconds + " s: " + String.join(" ", command) + "\n" + tail(out.getNow("")));
      }
      String output = out.join();
      if (p.exitValue() != 0) {
        throw new IOException("exit " + p.exitValue() + ": " + String.join(" ", command) + "\n" + tail(output));
      }
      return output;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
  }

  public static String run(long timeoutSeconds, String... command) throws IOException {
    return run(timeoutSeconds, null, null, List.of(command));
  }

  private static String tail(String output) {
    return output.length() <= 4000 ? output : "..." + output.substring(output.length() - 4000);
  }

  private Commands() {}
}
