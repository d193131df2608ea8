package dev.lazypull.fuse.sys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The mounts of this process's mount namespace, from /proc/self/mountinfo. */
public final class MountTable {

  /** One line of mountinfo: the device numbers of the mounted file system and where it is. */
  public record Mount(int major, int minor, Path mountPoint, String type, String source) {
    public String device() {
      return major + ":" + minor;
    }
  }

  private MountTable() {
  }

  public static List<Mount> read() {
    try {
      List<Mount> mounts = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        mounts.add(parse(line));
      }
      return mounts;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
    }
  }

  /** The topmost mount at exactly {@code mountPoint}, if any. */
  public static Optional<Mount> at(Path mountPoint) {
    Path p = mountPoint.toAbsolutePath().normalize();
    Mount found = null;
    for (Mount m : read()) {
      if (m.mountPoint().equals(p)) {
        found = m;
      }
    }
    return Optional.ofNullable(found);
  }

  /** Parses one mountinfo line: fields 3 (major:minor) and 5 (mount point), then type and source after " - ". */
  static Mount parse(String line) {
    String[] f = line.split(" ");
    String[] dev = f[2].split(":");
    int dash = line.indexOf(" - ");
    String[] tail = line.substring(dash + 3).split(" ");
    return new Mount(Integer.parseInt(dev[0]), Integer.parseInt(dev[1]), Path.of(unescape(f[4])),
        unescape(tail[0]), unescape(tail[1]));
  }

  /** The kernel escapes space, tab, newline and backslash as three octal digits. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && isOctal(s, i + 1)) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isOctal(String s, int at) {
    if (at + 3 > s.length()) {
      return false;
    }
    for (int i = at; i < at + 3; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '7') {
        return false;
      }
    }
    return true;
  }
}
