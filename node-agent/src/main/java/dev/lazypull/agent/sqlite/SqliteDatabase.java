package dev.lazypull.agent.sqlite;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The one way the agent opens its SQLite databases: WAL with synchronous=FULL (a committed change
 * survives a crash or power loss, an uncommitted one is never half there), foreign keys on, a busy
 * timeout, and a schema made in one transaction when the file is new ({@code user_version} 0) or
 * refused naming both versions when another version of lazypull made it.
 */
public final class SqliteDatabase {
  private SqliteDatabase() {}

  /**
   * Opens (creating) {@code file}, {@code what} naming it in messages, with schema {@code version}
   * made by {@code schema} (statements run in order) when the file is new.
   */
  public static Connection open(Path file, String what, int version, List<String> schema) throws IOException {
    try {
      Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement st = db.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA synchronous=FULL");
        st.execute("PRAGMA foreign_keys=ON");
        st.execute("PRAGMA busy_timeout=10000");
        int found;
        try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
          found = rs.getInt(1);
        }
        if (found == 0) {
          db.setAutoCommit(false);
          for (String statement : schema) {
            st.execute(statement);
          }
          st.execute("PRAGMA user_version=" + version);
          db.commit();
          db.setAutoCommit(true);
        } else if (found != version) {
          db.close();
          throw new IOException(what + " " + file + " has schema version " + found + ", this lazypull knows " + version);
        }
      } catch (SQLException | IOException | RuntimeException e) {
        db.close();
        throw e;
      }
      return db;
    } catch (SQLException e) {
      throw new IOException("cannot open the " + what + " " + file + ": " + e.getMessage(), e);
    }
  }
}
