package dev.lazypull.fuse;

import java.io.IOException;

/**
 * A kept FUSE connection that cannot be resumed: it has ended (unmounted or aborted while no
 * server ran), or the directory holds another mount now. The caller mounts afresh.
 */
public final class StaleSessionException extends IOException {
  public StaleSessionException(String message) {
    super(message);
  }
}
