package dev.lazypull.agent.mounts;

import dev.lazypull.oci.Digest;
import dev.lazypull.agent.sqlite.SqliteDatabase;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The agent's mounts as it must find them again after a restart, in SQLite (WAL,
 * synchronous=FULL): a record is written once the mount serves and removed when it is unmounted,
 * so a record exists exactly for the mounts that should still be there. What the mount's index is
 * made of lives beside it in the image copies ({@link dev.lazypull.lazyfs.image.ImageCopy}), the
 * chunks in the cache; the kernel connection itself in the descriptor store, under
 * {@link Record#sessionKey()}.
 */
public final class MountRecords implements AutoCloseable {
  private static final int SCHEMA_VERSION = 1;

  /**
   * One mount. {@code layers} is null for a whole image ({@code lazypull mount}), else the lowest
   * layers a containerd chain shows; {@code fetchTimeout} null for the agent's default.
   */
  public record Record(long id, Path mountPoint, String image, Digest manifest, List<Digest> layers,
      List<String> insecureRegistries, Duration fetchTimeout, boolean prefetchList, boolean backgroundFetch) {
    public Record {
      layers = layers == null ? null : List.copyOf(layers);
      insecureRegistries = List.copyOf(insecureRegistries);
    }

    /** The name the mount's FUSE connection is kept under in the descriptor store. */
    public String sessionKey() {
      return "m" + id;
    }

    /** A containerd chain (lowest layers of an image), not a {@code lazypull mount}. */
    public boolean isChain() {
      return layers != null;
    }
  }

  private final Connection db;

  private MountRecords(Connection db) {
    this.db = db;
  }

  public static MountRecords open(Path file) throws IOException {
    return new MountRecords(SqliteDatabase.open(file, "mount database", SCHEMA_VERSION, List.of("""
        CREATE TABLE mounts (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          mount_point TEXT NOT NULL UNIQUE,
          image TEXT NOT NULL,
          manifest TEXT NOT NULL,
          layers TEXT,
          insecure TEXT NOT NULL,
          fetch_timeout_ms INTEGER,
          prefetch_list INTEGER NOT NULL,
          background_fetch INTEGER NOT NULL)""")));
  }

  /** Records a mount (any record at its mount point is replaced) and returns it with its id. */
  public synchronized Record add(Path mountPoint, String image, Digest manifest, List<Digest> layers,
      List<String> insecure, Duration fetchTimeout, boolean prefetchList, boolean backgroundFetch) throws IOException {
    try (PreparedStatement del = db.prepareStatement("DELETE FROM mounts WHERE mount_point = ?");
        PreparedStatement ins = db.prepareStatement("""
            INSERT INTO mounts (mount_point, image, manifest, layers, insecure, fetch_timeout_ms, prefetch_list,
              background_fetch) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", Statement.RETURN_GENERATED_KEYS)) {
      db.setAutoCommit(false);
      try {
        del.setString(1, mountPoint.toString());
        del.executeUpdate();
        ins.setString(1, mountPoint.toString());
        ins.setString(2, image);
        ins.setString(3, manifest.toString());
        if (layers == null) {
          ins.setNull(4, Types.VARCHAR);
        } else {
          ins.setString(4, String.join(",", layers.stream().map(Digest::toString).toList()));
        }
        ins.setString(5, String.join("\n", insecure));
        if (fetchTimeout == null) {
          ins.setNull(6, Types.INTEGER);
        } else {
          ins.setLong(6, fetchTimeout.toMillis());
        }
        ins.setInt(7, prefetchList ? 1 : 0);
        ins.setInt(8, backgroundFetch ? 1 : 0);
        ins.executeUpdate();
        long id;
        try (ResultSet keys = ins.getGeneratedKeys()) {
          keys.next();
          id = keys.getLong(1);
        }
        db.commit();
        return new Record(id, mountPoint, image, manifest, layers, insecure, fetchTimeout, prefetchList, backgroundFetch);
      } catch (SQLException | RuntimeException e) {
        db.rollback();
        throw e;
      } finally {
        db.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new IOException("cannot record the mount at " + mountPoint + ": " + e.getMessage(), e);
    }
  }

  /** Removes the record {@code id}, if it is there. */
  public synchronized void remove(long id) throws IOException {
    try (PreparedStatement st = db.prepareStatement("DELETE FROM mounts WHERE id = ?")) {
      st.setLong(1, id);
      st.executeUpdate();
    } catch (SQLException e) {
      throw new IOException("cannot remove mount record " + id + ": " + e.getMessage(), e);
    }
  }

  /** Whether another record than {@code id} is of the manifest {@code manifest} (its image copy is still needed). */
  public synchronized boolean otherUses(Digest manifest, long id) throws IOException {
    try (PreparedStatement st = db.prepareStatement("SELECT 1 FROM mounts WHERE manifest = ? AND id <> ?")) {
      st.setString(1, manifest.toString());
      st.setLong(2, id);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw new IOException("cannot read the mount records: " + e.getMessage(), e);
    }
  }

  /**
   * Every record, in the order they were made. A row this agent cannot read (a digest that does
   * not parse) is reported in {@code unreadable} by id and skipped, so one bad row does not keep
   * the other mounts from coming back.
   */
  public synchronized List<Record> all(List<String> unreadable) throws IOException {
    List<Record> out = new ArrayList<>();
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT id, mount_point, image, manifest, layers, insecure, fetch_timeout_ms,"
            + " prefetch_list, background_fetch FROM mounts ORDER BY id")) {
      while (rs.next()) {
        long id = rs.getLong(1);
        try {
          String layers = rs.getString(5);
          String insecure = rs.getString(6);
          long timeout = rs.getLong(7);
          Duration fetchTimeout = rs.wasNull() ? null : Duration.ofMillis(timeout);
          out.add(new Record(id, Path.of(rs.getString(2)), rs.getString(3), Digest.parse(rs.getString(4)),
              layers == null ? null : Arrays.stream(layers.split(",")).map(Digest::parse).toList(),
              insecure.isEmpty() ? List.of() : List.of(insecure.split("\n")), fetchTimeout, rs.getInt(8) != 0,
              rs.getInt(9) != 0));
        } catch (IllegalArgumentException e) {
          unreadable.add(id + ": " + e.getMessage());
        }
      }
    } catch (SQLException e) {
      throw new IOException("cannot read the mount records: " + e.getMessage(), e);
    }
    return out;
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      db.close();
    } catch (SQLException e) {
      throw new IOException("closing the mount database: " + e.getMessage(), e);
    }
  }
}
