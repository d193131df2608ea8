package dev.lazypull.fuse;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A FUSE connection that can outlive the process serving it: what a new server needs to take the
 * connection's /dev/fuse descriptor over without a second INIT (the kernel sends INIT once per
 * connection). It travels as the descriptor's {@link #name()} in a descriptor store, so the
 * descriptor and its meaning are kept by the same owner and cannot drift apart.
 *
 * @param key        the owner's name for the mount (letters, digits, '_' and '-', up to 64)
 * @param device     the mount's device number as mountinfo shows it ("0:53"): it identifies the
 *                   kernel connection, so a resume checks it is the one mounted at the directory
 * @param negotiated what INIT settled
 */
public record FuseSession(String key, String device, Negotiated negotiated) {
  /** The prefix of every session name: other descriptors in the same store are not sessions. */
  public static final String PREFIX = "lpfuse";
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern DEVICE = Pattern.compile("(\\d{1,10}):(\\d{1,10})");
  // lpfuse.KEY.dMAJ-MIN.vKERNEL-MINOR.rMAXREAD.wMAXWRITE.aREADAHEAD.fFLAGS
  private static final Pattern NAME = Pattern.compile(
      PREFIX + "\\.([A-Za-z0-9_-]{1,64})\\.d(\\d{1,10})-(\\d{1,10})\\.v(\\d{1,3})-(\\d{1,3})"
          + "\\.r(\\d{1,9})\\.w(\\d{1,9})\\.a(\\d{1,9})\\.f([0-9a-f])");
  private static final int READDIRPLUS = 1;
  private static final int ASYNC_READ = 2;
  private static final int PARALLEL_DIROPS = 4;
  private static final int PASSTHROUGH = 8;

  public FuseSession {
    Objects.requireNonNull(negotiated, "negotiated");
    if (key == null || !KEY.matcher(key).matches()) {
      throw new IllegalArgumentException("session key must be 1..64 of [A-Za-z0-9_-]: '" + key + "'");
    }
    if (device == null || !DEVICE.matcher(device).matches()) {
      throw new IllegalArgumentException("device must be MAJOR:MINOR: '" + device + "'");
    }
  }

  /**
   * The descriptor's name in a store: ASCII without ':' or spaces and under 255 characters, as
   * systemd's FDNAME requires.
   */
  public String name() {
    Negotiated n = negotiated;
    int flags = (n.readdirplus() ? READDIRPLUS : 0) | (n.asyncRead() ? ASYNC_READ : 0)
        | (n.parallelDirops() ? PARALLEL_DIROPS : 0) | (n.passthrough() ? PASSTHROUGH : 0);
    return PREFIX + "." + key + ".d" + device.replace(':', '-') + ".v" + n.kernelMinor() + "-" + n.minor()
        + ".r" + n.maxRead() + ".w" + n.maxWrite() + ".a" + n.maxReadahead() + ".f" + Integer.toHexString(flags);
  }

  /** The session a store's descriptor name stands for; empty if it is not one (or not well formed). */
  public static Optional<FuseSession> parse(String name) {
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      return Optional.empty();
    }
    int flags = Integer.parseInt(m.group(9), 16);
    Negotiated n = new Negotiated(Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
        Integer.parseInt(m.group(6)), Integer.parseInt(m.group(7)), Integer.parseInt(m.group(8)),
        (flags & READDIRPLUS) != 0, (flags & ASYNC_READ) != 0, (flags & PARALLEL_DIROPS) != 0,
        (flags & PASSTHROUGH) != 0);
    if (n.minor() > n.kernelMinor() || n.maxWrite() < 4096 || n.maxWrite() > MountOptions.MAX_READ) {
      return Optional.empty();
    }
    return Optional.of(new FuseSession(m.group(1), m.group(2) + ":" + m.group(3), n));
  }
}
