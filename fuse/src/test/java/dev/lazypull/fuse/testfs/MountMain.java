package dev.lazypull.fuse.testfs;

import dev.lazypull.fuse.FuseMount;
import dev.lazypull.fuse.MountOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Mounts a small memory file system at args[0], says "ready", and serves until killed. */
public final class MountMain {
  private MountMain() {
  }

  public static void main(String[] args) throws Exception {
    MemoryFileSystem fs = new MemoryFileSystem(0755, TestTree.T);
    fs.file(fs.root(), "hello", 0644, 0, 0, TestTree.T, 0, Content.of("hello\n".getBytes(StandardCharsets.UTF_8)));
    FuseMount.mount(Path.of(args[0]), fs, MountOptions.defaults());
    System.out.println("ready");
    System.out.flush();
    Thread.currentThread().join(); // until a signal ends the process
  }
}
