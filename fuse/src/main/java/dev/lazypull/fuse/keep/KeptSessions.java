package dev.lazypull.fuse.keep;

import dev.lazypull.fuse.FuseSession;
import dev.lazypull.fuse.sys.LibC;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The FUSE sessions a store keeps for this process, by key, each with its descriptor. */
public final class KeptSessions {
  private static final System.Logger LOG = System.getLogger(KeptSessions.class.getName());

  /** One kept connection: what it is and a descriptor of it that the caller now owns. */
  public record Kept(FuseSession session, int fd) {
  }

  private KeptSessions() {
  }

  /**
   * Retrieves the store's sessions. Descriptors under names that are not sessions are closed here
   * (the store keeps its own copy), as is an older duplicate of a key.
   */
  public static Map<String, Kept> retrieve(DescriptorStore store) throws IOException {
    Map<String, Kept> sessions = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> e : store.retrieve().entrySet()) {
      Optional<FuseSession> s = FuseSession.parse(e.getKey());
      if (s.isEmpty()) {
        LOG.log(System.Logger.Level.WARNING, "{0} keeps a descriptor named {1}, which is no FUSE session",
            store.describe(), e.getKey());
        LibC.close(e.getValue());
        continue;
      }
      Kept old = sessions.put(s.get().key(), new Kept(s.get(), e.getValue()));
      if (old != null) {
        LibC.close(old.fd());
      }
    }
    return sessions;
  }

  /** Closes the descriptors of sessions the caller does not resume (the store keeps its copies). */
  public static void closeAll(Iterable<Kept> unused) {
    for (Kept k : unused) {
      LibC.close(k.fd());
    }
  }
}
