package dev.lazypull.fuse.sys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.fuse.MountOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MountTableTest {
  @Test
  void parsesMountinfoLinesWithEscapedMountPoints() {
    MountTable.Mount m = MountTable.parse(
        "42 27 0:39 / /tmp/with\\040space\\134x ro,nodev,relatime shared:5 - fuse.lazypull lazypull:img rw,user_id=0");
    assertThat(m.major()).isZero();
    assertThat(m.minor()).isEqualTo(39);
    assertThat(m.device()).isEqualTo("0:39");
    assertThat(m.mountPoint()).isEqualTo(Path.of("/tmp/with space\\x"));
    assertThat(m.type()).isEqualTo("fuse.lazypull");
    assertThat(m.source()).isEqualTo("lazypull:img");
    assertThat(MountTable.unescape("a\\01")).isEqualTo("a\\01");
  }

  @Test
  void mountDataAndFusermountOptions() {
    MountOptions opts = MountOptions.defaults();
    assertThat(KernelMount.mountData(7, 0, 0, opts))
        .isEqualTo("fd=7,rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions");
    assertThat(Fusermount.options(opts.withFsName("img").withDevices(true)))
        .isEqualTo("ro,fsname=img,subtype=lazypull,suid,dev,allow_other,default_permissions");
  }
}
