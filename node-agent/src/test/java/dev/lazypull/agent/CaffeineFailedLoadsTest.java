package dev.lazypull.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** In the agent, a failed chunk future is logged by the read path only, not again by Caffeine with a stack trace. */
class CaffeineFailedLoadsTest {
  @Test
  void aFailedFutureInACaffeineCacheLogsNothingInTheAgent() {
    assertThat(Agent.CAFFEINE_FAILED_LOADS.getName()).isNotEmpty();
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        records.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger root = Logger.getLogger("");
    root.addHandler(capture);
    try {
      AsyncCache<String, byte[]> cache = Caffeine.newBuilder().executor(Runnable::run).buildAsync();
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      cache.asMap().putIfAbsent("chunk", f);
      f.completeExceptionally(new IOException("the mount that was fetching this chunk closed"));
      Logger.getLogger(Agent.CAFFEINE_FAILED_LOADS.getName()).setLevel(java.util.logging.Level.ALL);
      CompletableFuture<byte[]> g = new CompletableFuture<>();
      cache.asMap().putIfAbsent("other", g);
      g.completeExceptionally(new IOException("control: logged when not quieted"));
      assertThat(records).extracting(LogRecord::getMessage).containsExactly("Exception thrown during asynchronous load");
      assertThat(records.getFirst().getThrown()).hasMessageContaining("control");
    } finally {
      Agent.CAFFEINE_FAILED_LOADS.setLevel(java.util.logging.Level.SEVERE);
      root.removeHandler(capture);
    }
  }
}
