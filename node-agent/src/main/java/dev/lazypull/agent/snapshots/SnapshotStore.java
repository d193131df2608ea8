package dev.lazypull.agent.snapshots;

import dev.lazypull.agent.sqlite.SqliteDatabase;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The snapshots' metadata in SQLite (WAL, synchronous=FULL): every change is one transaction, so
 * after a crash at any point the database holds either the whole change or none of it. Work on
 * disk that belongs to a change (making a snapshot's directories) runs inside its transaction and
 * rolls it back when it fails; directories left by a transaction that never committed carry an id
 * the database does not know, and {@link OverlaySnapshotter} removes them at start.
 *
 * <p>One connection, used under this object's lock: the snapshotter's changes are small and
 * serialising them keeps every check-then-act (does the key exist? has it children?) atomic.
 */
public final class SnapshotStore implements AutoCloseable {
  private static final int SCHEMA_VERSION = 1;

  private final Connection db;

  private SnapshotStore(Connection db) {
    this.db = db;
  }

  /** Work done on disk as part of creating a snapshot, given its new id. */
  @FunctionalInterface
  public interface WithId {
    void run(long id) throws IOException;
  }

  public static SnapshotStore open(Path file) throws IOException {
    return new SnapshotStore(SqliteDatabase.open(file, "snapshot database", SCHEMA_VERSION, List.of("""
        CREATE TABLE snapshots (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          key TEXT NOT NULL UNIQUE,
          parent_id INTEGER REFERENCES snapshots(id),
          kind INTEGER NOT NULL,
          created_ms INTEGER NOT NULL,
          updated_ms INTEGER NOT NULL,
          image_ref TEXT,
          layers TEXT,
          mounted INTEGER NOT NULL DEFAULT 0)""",
        "CREATE INDEX snapshots_parent ON snapshots(parent_id)", """
        CREATE TABLE labels (
          snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (snapshot_id, name))""")));
  }

  public synchronized Optional<Snapshot> get(String key) throws IOException {
    try (PreparedStatement ps = db.prepareStatement(SELECT + " WHERE s.key = ?")) {
      ps.setString(1, key);
      List<Snapshot> found = read(ps);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    } catch (SQLException e) {
      throw failure("read snapshot " + key, e);
    }
  }

  public synchronized Optional<Snapshot> get(long id) throws IOException {
    try (PreparedStatement ps = db.prepareStatement(SELECT + " WHERE s.id = ?")) {
      ps.setLong(1, id);
      List<Snapshot> found = read(ps);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    } catch (SQLException e) {
      throw failure("read snapshot " + id, e);
    }
  }

  public synchronized List<Snapshot> all() throws IOException {
    try (PreparedStatement ps = db.prepareStatement(SELECT + " ORDER BY s.id")) {
      return read(ps);
    } catch (SQLException e) {
      throw failure("list snapshots", e);
    }
  }

  public synchronized boolean hasChildren(long id) throws IOException {
    try (PreparedStatement ps = db.prepareStatement("SELECT 1 FROM snapshots WHERE parent_id = ? LIMIT 1")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw failure("look for children of snapshot " + id, e);
    }
  }

  /**
   * Creates a snapshot and, in the same transaction, runs {@code onDisk} with its id; the
   * snapshot exists only if both succeed. Throws ALREADY_EXISTS when {@code key} is taken.
   */
  public synchronized Snapshot create(String key, Kind kind, Snapshot parent, Map<String, String> labels, LazyChain lazy,
                                      WithId onDisk) throws IOException, SnapshotException {
    long now = System.currentTimeMillis();
    return stored(inTransaction("create snapshot " + key, () -> {
      if (exists(key)) {
        throw SnapshotException.alreadyExists("snapshot " + key + " already exists");
      }
      long id;
      try (PreparedStatement ps = db.prepareStatement(
          "INSERT INTO snapshots(key, parent_id, kind, created_ms, updated_ms, image_ref, layers) VALUES (?,?,?,?,?,?,?)",
          Statement.RETURN_GENERATED_KEYS)) {
        ps.setString(1, key);
        if (parent == null) {
          ps.setNull(2, Types.INTEGER);
        } else {
          ps.setLong(2, parent.id());
        }
        ps.setInt(3, kind.code());
        ps.setLong(4, now);
        ps.setLong(5, now);
        ps.setString(6, lazy == null ? null : lazy.imageRef());
        ps.setString(7, lazy == null ? null : lazy.layersText());
        ps.executeUpdate();
        try (ResultSet rs = ps.getGeneratedKeys()) {
          rs.next();
          id = rs.getLong(1);
        }
      }
      writeLabels(id, labels);
      onDisk.run(id);
      return id;
    }));
  }

  /** Renames active {@code key} to committed {@code name}, replacing its labels (when not null). */
  public synchronized Snapshot commit(String key, String name, Map<String, String> labels) throws IOException, SnapshotException {
    return stored(inTransaction("commit " + key + " as " + name, () -> {
      Snapshot active = get(key).orElseThrow(() -> SnapshotException.notFound("snapshot " + key + " does not exist"));
      if (active.kind() != Kind.ACTIVE) {
        throw SnapshotException.precondition("snapshot " + key + " is " + active.kind().name().toLowerCase()
            + ", only an active snapshot can be committed");
      }
      if (exists(name)) {
        throw SnapshotException.alreadyExists("snapshot " + name + " already exists");
      }
      try (PreparedStatement ps = db.prepareStatement("UPDATE snapshots SET key = ?, kind = ?, updated_ms = ? WHERE id = ?")) {
        ps.setString(1, name);
        ps.setInt(2, Kind.COMMITTED.code());
        ps.setLong(3, System.currentTimeMillis());
        ps.setLong(4, active.id());
        ps.executeUpdate();
      }
      if (labels != null) {
        deleteLabels(active.id());
        writeLabels(active.id(), labels);
      }
      return active.id();
    }));
  }

  /** Replaces the labels of {@code key}. */
  public synchronized Snapshot setLabels(String key, Map<String, String> labels) throws IOException, SnapshotException {
    return stored(inTransaction("update labels of " + key, () -> {
      Snapshot s = get(key).orElseThrow(() -> SnapshotException.notFound("snapshot " + key + " does not exist"));
      deleteLabels(s.id());
      writeLabels(s.id(), labels);
      try (PreparedStatement ps = db.prepareStatement("UPDATE snapshots SET updated_ms = ? WHERE id = ?")) {
        ps.setLong(1, System.currentTimeMillis());
        ps.setLong(2, s.id());
        ps.executeUpdate();
      }
      return s.id();
    }));
  }

  /** Records whether a lazy snapshot's chain is mounted, so that a restart mounts it again. */
  public synchronized void setMounted(long id, boolean mounted) throws IOException {
    try (PreparedStatement ps = db.prepareStatement("UPDATE snapshots SET mounted = ? WHERE id = ?")) {
      ps.setInt(1, mounted ? 1 : 0);
      ps.setLong(2, id);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw failure("record the mount of snapshot " + id, e);
    }
  }

  /** Deletes a snapshot that has no children; FAILED_PRECONDITION when it has some. */
  public synchronized void delete(long id) throws IOException, SnapshotException {
    inTransaction("remove snapshot " + id, () -> {
      if (hasChildren(id)) {
        throw SnapshotException.precondition("snapshot " + id + " has children: remove them first");
      }
      try (PreparedStatement ps = db.prepareStatement("DELETE FROM snapshots WHERE id = ?")) {
        ps.setLong(1, id);
        ps.executeUpdate();
      }
      return id;
    });
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      db.close();
    } catch (SQLException e) {
      throw failure("close the snapshot database", e);
    }
  }

  private static final String SELECT = """
      SELECT s.id, s.key, s.parent_id, p.key, s.kind, s.created_ms, s.updated_ms, s.image_ref, s.layers, s.mounted
      FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id""";

  private List<Snapshot> read(PreparedStatement ps) throws SQLException {
    List<Snapshot> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        long id = rs.getLong(1);
        String ref = rs.getString(8);
        LazyChain lazy = ref == null ? null : new LazyChain(ref, LazyChain.parseLayers(rs.getString(9)));
        String parentKey = rs.getString(4);
        out.add(new Snapshot(id, rs.getString(2), rs.getLong(3), parentKey == null ? "" : parentKey,
            Kind.ofCode(rs.getInt(5)), Instant.ofEpochMilli(rs.getLong(6)), Instant.ofEpochMilli(rs.getLong(7)),
            Map.of(), lazy, rs.getInt(10) != 0));
      }
    }
    List<Snapshot> withLabels = new ArrayList<>(out.size());
    for (Snapshot s : out) {
      withLabels.add(new Snapshot(s.id(), s.key(), s.parentId(), s.parentKey(), s.kind(), s.created(), s.updated(),
          labels(s.id()), s.lazy(), s.mounted()));
    }
    return withLabels;
  }

  private Map<String, String> labels(long id) throws SQLException {
    Map<String, String> labels = new LinkedHashMap<>();
    try (PreparedStatement ps = db.prepareStatement("SELECT name, value FROM labels WHERE snapshot_id = ? ORDER BY name")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          labels.put(rs.getString(1), rs.getString(2));
        }
      }
    }
    return labels;
  }

  private boolean exists(String key) throws SQLException {
    try (PreparedStatement ps = db.prepareStatement("SELECT 1 FROM snapshots WHERE key = ?")) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private void writeLabels(long id, Map<String, String> labels) throws SQLException {
    try (PreparedStatement ps = db.prepareStatement("INSERT INTO labels(snapshot_id, name, value) VALUES (?,?,?)")) {
      for (Map.Entry<String, String> e : labels.entrySet()) {
        ps.setLong(1, id);
        ps.setString(2, e.getKey());
        ps.setString(3, e.getValue());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private void deleteLabels(long id) throws SQLException {
    try (PreparedStatement ps = db.prepareStatement("DELETE FROM labels WHERE snapshot_id = ?")) {
      ps.setLong(1, id);
      ps.executeUpdate();
    }
  }

  @FunctionalInterface
  private interface Change {
    long apply() throws SQLException, IOException, SnapshotException;
  }

  /** Runs {@code change} as one transaction and returns the id of the snapshot it changed. */
  private long inTransaction(String what, Change change) throws IOException, SnapshotException {
    long id;
    try {
      db.setAutoCommit(false);
      try {
        id = change.apply();
        db.commit();
      } catch (SQLException | IOException | SnapshotException | RuntimeException e) {
        db.rollback();
        throw e;
      } finally {
        db.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw failure(what, e);
    }
    return id;
  }

  private Snapshot stored(long id) throws IOException {
    return get(id).orElseThrow(() -> new IOException("snapshot " + id + " vanished from the database"));
  }

  private static IOException failure(String what, SQLException e) {
    return new IOException("snapshot database: cannot " + what + ": " + e.getMessage(), e);
  }
}
