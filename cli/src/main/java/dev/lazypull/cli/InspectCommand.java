package dev.lazypull.cli;

import dev.lazypull.builder.inspect.ImageInspector;
import dev.lazypull.builder.inspect.InspectReport;
import dev.lazypull.registry.ImageRef;
import dev.lazypull.registry.ImageStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lazypull inspect IMAGE}: what an image is made of, and whether it is lazy. */
@Command(
    name = "inspect",
    header = "Show an image's layers, files, chunks, sizes and index bytes, and whether it is lazy.",
    mixinStandardHelpOptions = true,
    description = {
      "Shows per layer and in total: entries, files, chunks (zstd frames), compressed and uncompressed bytes,",
      "index (table of contents) bytes, and whether the image is lazy. Reads manifests and the small",
      "tables of contents only, never whole layers; for layers that are not lazy only sizes are known.",
    })
public final class InspectCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "Registry reference or oci:DIR[:TAG].")
  String image;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Mixin RegistryFlags registry;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ImageRef ref;
    try {
      ref = ImageRef.parse(image);
    } catch (IllegalArgumentException e) {
      err.println("lazypull inspect: " + e.getMessage());
      return 2;
    }
    try (ImageStore store = registry.openSource(ref)) {
      InspectReport report = new ImageInspector(store).inspect(ref.toString(), ref.reference());
      out.print(json ? report.toJson() + "\n" : report.toText());
      out.flush();
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      err.println("lazypull inspect: " + e.getMessage());
      return 1;
    }
  }
}
