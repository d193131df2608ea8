package dev.lazypull.benchmarks.pulltime.full;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Unpacks one layer into its own snapshot directory as containerd's overlayfs snapshotter does:
 * GNU tar extracts everything (it decompresses gzip and zstd by itself and keeps modes, numeric
 * owners, hardlinks, symlinks, devices and xattrs), then each OCI whiteout it wrote as a plain
 * file is turned into what overlayfs understands: {@code .wh.NAME} into a 0/0 character device
 * named NAME, {@code .wh..wh..opq} into the {@code trusted.overlay.opaque} xattr of its directory.
 * tar's verbose listing names the whiteouts, so no walk of the tree is needed.
 */
final class LayerUnpacker {
  static final String WHITEOUT = ".wh.";
  static final String OPAQUE = ".wh..wh..opq";

  private LayerUnpacker() {}

  /** Extracts {@code layer} (a tar, tar+gzip or tar+zstd file) into the empty directory {@code dir}. */
  static void unpack(Path layer, Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Process tar =
        new ProcessBuilder(
                "tar", "-x", "-v", "-f", layer.toString(), "-C", dir.toString(),
                "--same-owner", "--numeric-owner", "--same-permissions",
                "--xattrs", "--xattrs-include=*", "--quoting-style=escape")
            .redirectErrorStream(false)
            .start();
    List<String> whiteouts = new ArrayList<>();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread errReader = Thread.ofVirtual().start(() -> copyQuietly(tar, err));
    try (BufferedReader out = new BufferedReader(new InputStreamReader(tar.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        String name = unescape(line);
        if (baseName(name).startsWith(WHITEOUT)) {
          whiteouts.add(name);
        }
      }
    }
    int rc = tar.waitFor();
    errReader.join();
    if (rc != 0) {
      throw new IOException("tar -x of " + layer + " failed (exit " + rc + "): " + err.toString(StandardCharsets.UTF_8).strip());
    }
    for (String w : whiteouts) {
      applyWhiteout(dir, w);
    }
  }

  private static void applyWhiteout(Path dir, String member) throws IOException {
    Path marker = inside(dir, member);
    String base = baseName(member);
    Path parent = marker.getParent();
    Files.delete(marker);
    if (base.equals(OPAQUE)) {
      Libc.setXattr(parent, "trusted.overlay.opaque", new byte[] {'y'});
    } else {
      String deleted = base.substring(WHITEOUT.length());
      if (deleted.isEmpty() || deleted.equals(".") || deleted.equals("..")) {
        throw new IOException("whiteout names no file: " + member);
      }
      Libc.whiteout(parent.resolve(deleted));
    }
  }

  /** Resolves a member name below {@code dir}, refusing one that would leave it. */
  private static Path inside(Path dir, String member) throws IOException {
    Path p = dir.resolve(member.startsWith("/") ? member.substring(1) : member).normalize();
    if (!p.startsWith(dir) || p.equals(dir)) {
      throw new IOException("layer member escapes its directory: " + member);
    }
    return p;
  }

  private static String baseName(String name) {
    String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    return n.substring(n.lastIndexOf('/') + 1);
  }

  /** Undoes tar's {@code escape} quoting: backslash escapes and octal bytes, decoded as UTF-8. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] raw = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] != '\\' || i + 1 == raw.length) {
        b.write(raw[i]);
        continue;
      }
      byte c = raw[++i];
      if (c >= '0' && c <= '7' && i + 2 < raw.length) {
        b.write(Integer.parseInt(new String(raw, i, 3, StandardCharsets.US_ASCII), 8));
        i += 2;
      } else {
        b.write(
            switch (c) {
              case 'n' -> '\n';
              case 't' -> '\t';
              case 'r' -> '\r';
              case 'a' -> 7;
              case 'b' -> '\b';
              case 'f' -> '\f';
              case 'v' -> 11;
              default -> c;
            });
      }
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  private static void copyQuietly(Process p, ByteArrayOutputStream sink) {
    try {
      p.getErrorStream().transferTo(sink);
    } catch (IOException e) {
      // stderr is only for the error message
    }
  }
}
