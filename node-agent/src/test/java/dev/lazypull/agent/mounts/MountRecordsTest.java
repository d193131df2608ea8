package dev.lazypull.agent.mounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountRecordsTest {
  @TempDir Path dir;

  private static Digest digest(String s) {
    return Digest.sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void recordsSurviveReopeningAndGoWhenRemoved() throws IOException {
    Path db = dir.resolve("mounts.db");
    MountRecords.Record image;
    MountRecords.Record chain;
    try (MountRecords records = MountRecords.open(db)) {
      image = records.add(Path.of("/mnt/a"), "reg:5000/app:1", digest("m1"), null, List.of("reg:5000"),
          Duration.ofSeconds(3), false, true);
      chain = records.add(Path.of("/s/1/fs"), "reg:5000/app:1", digest("m1"), List.of(digest("l1"), digest("l2")),
          List.of(), null, true, false);
    }
    try (MountRecords records = MountRecords.open(db)) {
      List<String> unreadable = new ArrayList<>();
      assertThat(records.all(unreadable)).containsExactly(image, chain);
      assertThat(unreadable).isEmpty();
      assertThat(image.isChain()).isFalse();
      assertThat(chain.isChain()).isTrue();
      assertThat(image.sessionKey()).isNotEqualTo(chain.sessionKey());
      assertThat(records.otherUses(digest("m1"), image.id())).isTrue();
      records.remove(chain.id());
      assertThat(records.otherUses(digest("m1"), image.id())).isFalse();
      assertThat(records.all(unreadable)).containsExactly(image);
    }
  }

  @Test
  void aNewRecordAtTheSameMountPointReplacesTheOld() throws IOException {
    try (MountRecords records = MountRecords.open(dir.resolve("mounts.db"))) {
      records.add(Path.of("/mnt/a"), "x:1", digest("m1"), null, List.of(), null, true, true);
      MountRecords.Record second = records.add(Path.of("/mnt/a"), "x:2", digest("m2"), null, List.of(), null, true, true);
      assertThat(records.all(new ArrayList<>())).containsExactly(second);
    }
  }

  @Test
  void anUnreadableRowIsReportedAndSkipped() throws Exception {
    Path db = dir.resolve("mounts.db");
    try (MountRecords records = MountRecords.open(db)) {
      records.add(Path.of("/mnt/a"), "x:1", digest("m1"), null, List.of(), null, true, true);
    }
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute("INSERT INTO mounts (mount_point, image, manifest, insecure, prefetch_list, background_fetch)"
          + " VALUES ('/mnt/b', 'x:1', 'sha256:nothex', '', 1, 1)");
    }
    try (MountRecords records = MountRecords.open(db)) {
      List<String> unreadable = new ArrayList<>();
      assertThat(records.all(unreadable)).extracting(MountRecords.Record::mountPoint).containsExactly(Path.of("/mnt/a"));
      assertThat(unreadable).singleElement().asString().startsWith("2: ");
    }
  }

  @Test
  void aDatabaseOfAnotherSchemaIsRefusedNamingIt() throws Exception {
    Path db = dir.resolve("mounts.db");
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute("PRAGMA user_version=7");
    }
    assertThatThrownBy(() -> MountRecords.open(db)).isInstanceOf(IOException.class).hasMessageContaining("schema version 7");
  }
}
