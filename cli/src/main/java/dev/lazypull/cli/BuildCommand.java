package dev.lazypull.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lazypull.builder.overlay.BuildInputException;
import dev.lazypull.builder.overlay.BuildResult;
import dev.lazypull.builder.overlay.OverlayBuild;
import dev.lazypull.builder.overlay.spec.AddSpec;
import dev.lazypull.builder.overlay.spec.BuildSpec;
import dev.lazypull.builder.overlay.spec.CommandValue;
import dev.lazypull.builder.overlay.spec.EnvSubstitution;
import dev.lazypull.builder.overlay.spec.SpecFile;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.cli.progress.ConsoleProgress;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lazypull build}: a base image plus the project's files and settings, as a lazy image tagged by content. */
@Command(
    name = "build",
    header = "Overlay code and settings on a base image; push a lazy image tagged by a content hash.",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Lays files and settings over a base image and pushes the result as a lazy image tagged NAME-<hash>, "
          + "where the hash covers the base's digest, every setting and every added file. When that tag exists, "
          + "nothing is built or pushed. The last line on stdout is the image reference with digest.",
      "",
      "  lazypull build --from BASE --to REPO --add SRC[:DEST]... [settings]",
      "  lazypull build --spec FILE NAME...",
    })
public final class BuildCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec commandSpec;

  @Option(names = "--from", paramLabel = "BASE", description = "Base image (registry reference or oci:DIR[:TAG]).")
  String from;

  @Option(names = "--to", paramLabel = "REPO", description = "Target repository (no tag: the tag is computed).")
  String to;

  @Option(names = "--add", paramLabel = "SRC[:DEST]", description = {
      "Copy a file or directory into the image at absolute DEST (default: --workdir).",
      "A directory's .dockerignore applies unless --ignore-file is given."})
  List<String> adds = new ArrayList<>();

  @Option(names = "--ignore-file", paramLabel = "FILE", description = "Ignore rules (.dockerignore syntax) for every --add directory.")
  Path ignoreFile;

  @Option(names = "--env", paramLabel = "K=V", description = "Set an environment variable (repeatable).")
  Map<String, String> env = new LinkedHashMap<>();

  @Option(names = "--workdir", paramLabel = "DIR", description = "Working directory.")
  String workdir;

  @Option(names = "--entrypoint", paramLabel = "CMD", description = "Entrypoint: a JSON array or words separated by spaces (no shell).")
  String entrypoint;

  @Option(names = "--cmd", paramLabel = "CMD", description = "Default arguments: a JSON array or words separated by spaces.")
  String cmd;

  @Option(names = "--user", paramLabel = "U", description = "User (name or uid[:gid]) the container runs as.")
  String user;

  @Option(names = "--label", paramLabel = "K=V", description = "Image label (repeatable).")
  Map<String, String> labels = new LinkedHashMap<>();

  @Option(names = "--name", paramLabel = "NAME", description = "Tag prefix (default: the repository's last path element).")
  String name;

  @Option(names = "--tag", paramLabel = "TAG", description = "Also tag the image TAG (repeatable).")
  List<String> extraTags = new ArrayList<>();

  @Option(names = "--spec", paramLabel = "FILE", description = "Build the NAMEd images of a YAML spec file instead.")
  Path specFile;

  @Parameters(paramLabel = "NAME", arity = "0..*", description = "Images of --spec to build.")
  List<String> specNames = new ArrayList<>();

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
      description = "Platform to take from a multi-platform base. Default: this machine's (${sys:os.arch} on linux).")
  String platform;

  @Mixin RegistryFlags registry;

  @Mixin RecordFlags record;

  @Option(names = "--force", description = "Build and push even when the tag exists.")
  boolean force;

  @Option(names = "--json", description = "Print a JSON summary line per image before its reference.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = commandSpec.commandLine().getOut();
    PrintWriter err = commandSpec.commandLine().getErr();
    List<BuildSpec> specs;
    OverlayBuild.Options options;
    try {
      specs = specs();
      options = OverlayBuild.Options.defaults().withForce(force).withSourceDateEpoch(sourceDateEpoch());
      if (platform != null) {
        options = options.withPlatform(ConvertCommand.parsePlatform(platform));
      }
    } catch (BuildInputException | IllegalArgumentException e) {
      err.println("lazypull build: " + e.getMessage());
      return 2;
    }
    Progress progress = ConsoleProgress.on(err);
    try {
      for (BuildSpec spec : specs) {
        BuildResult result = BuildRunner.run(spec, options, registry, progress, record.step(spec.record(), err));
        if (json) {
          out.println(summary(result));
        }
        out.println(result.reference());
        out.flush();
      }
      return 0;
    } catch (BuildInputException e) {
      err.println("lazypull build: " + e.getMessage());
      return 2;
    } catch (java.io.IOException | IllegalArgumentException e) {
      err.println("lazypull build: " + e.getMessage());
      return 1;
    }
  }

  List<BuildSpec> specs() {
    if (specFile != null) {
      if (from != null || to != null || !adds.isEmpty() || !env.isEmpty() || workdir != null || entrypoint != null
          || cmd != null || user != null || !labels.isEmpty() || name != null || !extraTags.isEmpty() || ignoreFile != null
          || record.enabled()) {
        throw new BuildInputException("--spec takes its settings from the file; do not combine it with --from, --to or other settings");
      }
      return SpecFile.load(specFile).images(specNames, EnvSubstitution.of(System.getenv()));
    }
    if (!specNames.isEmpty()) {
      throw new BuildInputException("image names (" + String.join(", ", specNames) + ") are only taken with --spec");
    }
    if (from == null || to == null) {
      throw new BuildInputException("give --from BASE and --to REPO (or --spec FILE NAME...)");
    }
    Path cwd = Path.of("").toAbsolutePath();
    List<AddSpec> addSpecs = adds.stream().map(a -> AddSpec.parse(a, cwd, workdir)).toList();
    return List.of(new BuildSpec(
        name != null ? name : BuildSpec.defaultName(to),
        from,
        to,
        addSpecs,
        ignoreFile == null ? null : ignoreFile.toAbsolutePath(),
        env,
        workdir,
        entrypoint == null ? null : CommandValue.parse(entrypoint),
        cmd == null ? null : CommandValue.parse(cmd),
        user,
        labels,
        extraTags,
        record.recorderCommands()));
  }

  /** The mtime of added files: SOURCE_DATE_EPOCH when set (reproducible-builds.org), else 0. */
  static long sourceDateEpoch() {
    String v = System.getenv("SOURCE_DATE_EPOCH");
    if (v == null || v.isBlank()) {
      return 0;
    }
    try {
      long epoch = Long.parseLong(v.strip());
      if (epoch < 0) {
        throw new NumberFormatException("negative");
      }
      return epoch;
    } catch (NumberFormatException e) {
      throw new BuildInputException("SOURCE_DATE_EPOCH='" + v + "' is not a non-negative number of seconds");
    }
  }

  static String summary(BuildResult r) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode o = mapper.createObjectNode();
    o.put("reference", r.reference());
    o.put("digest", r.digest().toString());
    o.put("tag", r.tag());
    o.put("skipped", r.skipped());
    ObjectNode layers = o.putObject("layers");
    layers.put("reused", r.layersReused());
    layers.put("converted", r.layersConverted());
    layers.put("new", r.layersAdded());
    o.put("bytesUploaded", r.bytesUploaded());
    o.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
    return o.toString();
  }
}
