package dev.lazypull.agent.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.testkit.images.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/ as the real tools read it: containerd 1.6 merges the snippet, systemd parses the unit. */
class DeployFilesIT {
  private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();

  @Test
  void containerdImportsTheSnippet(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("config.toml");
    Files.writeString(config, "version = 2\nimports = [\"" + DEPLOY.resolve("containerd/lazypull.toml") + "\"]\n"
        + "root = \"" + dir.resolve("root") + "\"\nstate = \"" + dir.resolve("state") + "\"\n");
    String dump = Commands.run(60, "containerd", "--config", config.toString(), "config", "dump");
    assertThat(dump).contains("[proxy_plugins.lazypull]", "address = \"/run/lazypull/containerd.sock\"", "type = \"snapshot\"",
        "snapshotter = \"lazypull\"", "disable_snapshot_annotations = false");
  }

  @Test
  void systemdParsesTheUnit() throws Exception {
    Path unit = DEPLOY.resolve("systemd/lazypull-agent.service");
    String out;
    try {
      out = Commands.run(60, "systemd-analyze", "verify", unit.toString());
    } catch (java.io.IOException e) {
      out = e.getMessage();
    }
    // On a machine without lazypull installed the only complaint is the missing binary.
    assertThat(out.lines().filter(l -> l.contains("lazypull-agent.service:"))
        .filter(l -> !l.contains("/usr/local/bin/lazypull is not executable"))).isEmpty();
    assertThat(Files.readString(unit)).contains("Type=notify", "Before=containerd.service");
  }
}
