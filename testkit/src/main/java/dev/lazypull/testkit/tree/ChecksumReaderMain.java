package dev.lazypull.testkit.tree;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The reader process: opens, reads and checks the SHA-256 of every file listed in args[1] (lines
 * "HEX PATH", paths relative to the mount args[0]) again and again until args[2] exists. Prints
 * "FAIL path: reason" for a wrong or failed read, and per pass "pass N files F longest-ms L".
 */
public final class ChecksumReaderMain {
  private ChecksumReaderMain() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    List<String[]> files = Files.readAllLines(Path.of(args[1])).stream().map(l -> l.split(" ", 2)).toList();
    Path stop = Path.of(args[2]);
    byte[] buffer = new byte[1 << 20];
    for (int pass = 1; !Files.exists(stop); pass++) {
      long longest = 0;
      int count = 0;
      for (String[] f : files) {
        long start = System.nanoTime();
        try (InputStream in = Files.newInputStream(root.resolve(f[1]))) {
          MessageDigest sha = MessageDigest.getInstance("SHA-256");
          for (int n; (n = in.read(buffer)) > 0; ) {
            sha.update(buffer, 0, n);
          }
          String got = HexFormat.of().formatHex(sha.digest());
          if (!got.equals(f[0])) {
            System.out.println("FAIL " + f[1] + ": sha256 " + got);
          }
        } catch (IOException e) {
          System.out.println("FAIL " + f[1] + ": " + e);
        }
        longest = Math.max(longest, System.nanoTime() - start);
        count++;
        if (Files.exists(stop)) {
          break;
        }
      }
      System.out.println("pass " + pass + " files " + count + " longest-ms " + longest / 1_000_000);
      System.out.flush();
    }
  }
}
