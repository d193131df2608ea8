package dev.lazypull.cli.startup;

import dev.lazypull.agent.control.ControlProtocol;
import dev.lazypull.agent.control.ControlProtocolException;
import dev.lazypull.agent.control.ControlReply;
import dev.lazypull.agent.control.ControlRequest;
import dev.lazypull.cli.ClientArgs;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training run of the client's AOT cache (JDK 25, JEP 483/514): the {@code lazypull} launcher
 * runs this once per jar with {@code -XX:AOTCacheOutput}, and {@code mount}, {@code umount} and
 * {@code stats} then start with the classes it loaded already parsed and linked (decision 0015).
 * It runs those commands as {@code Main} runs a user's plain command line ({@link ClientArgs},
 * without picocli) against a control socket in a temporary run directory that answers every
 * request with the protocol's own encoder, so the client's whole path (the command line, the
 * request, the reply's JSON) is trained without an agent, FUSE or a registry, and nothing outside
 * the temporary directory is touched. Picocli's path (help, errors, the other commands) is not
 * trained: its Java 5 classes are not archived, and whatever a training loads every start loads.
 */
public final class ClientTraining {
  private ClientTraining() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Path runDir = Files.createTempDirectory("lazypull-training-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(runDir.resolve("agent.sock")));
      Thread answering = Thread.ofPlatform().daemon().start(() -> answer(server));
      Path mountPoint = Files.createDirectory(runDir.resolve("mnt"));
      String run = runDir.toString();
      for (List<String> command : List.of(
          List.of("mount", "127.0.0.1:5000/training/image:lazy", mountPoint.toString(), "--run-dir", run),
          List.of("stats", mountPoint.toString(), "--run-dir", run),
          List.of("stats", "--json", "--run-dir", run),
          List.of("umount", mountPoint.toString(), "--run-dir", run))) {
        String[] argv = command.toArray(String[]::new);
        if (ClientArgs.parse(argv).isEmpty()) {
          throw new IllegalStateException("not a plain command line: " + command);
        }
        ClientMain.run(argv); // a command that fails here (no /dev/fuse for mount) has still run its path
      }
      answering.interrupt();
    } finally {
      try (Stream<Path> files = Files.walk(runDir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Answers each connection as an agent would: OK, with a result shaped like the real one's. */
  private static void answer(ServerSocketChannel server) {
    while (server.isOpen()) {
      try (SocketChannel ch = server.accept()) {
        ControlRequest request = ControlProtocol.decodeRequest(ControlProtocol.readLine(ch, ControlProtocol.MAX_REQUEST_BYTES));
        var result = ControlProtocol.newObject();
        switch (request) {
          case ControlRequest.Mount m -> result.put("mountPoint", m.mountPoint().toString());
          case ControlRequest.Umount u -> result.put("agentStopping", false);
          case ControlRequest.Stats s -> result.put("bytesFetched", 0L).put("rangeRequests", 0L).put("readLatencyP50Micros", 0.0);
          case ControlRequest.ListMounts l -> result.set("mounts", ControlProtocol.newArray());
        }
        ControlProtocol.writeLine(ch, ControlProtocol.encode(new ControlReply.Ok(result)));
      } catch (IOException | ControlProtocolException e) {
        if (!server.isOpen()) {
          return;
        }
      }
    }
  }
}
