package dev.lazypull.builder.overlay.spec;

import dev.lazypull.builder.overlay.BuildInputException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A spec file declaring several named images, each with the settings of {@code lazypull build}:
 *
 * <pre>
 * images:
 *   train:
 *     base: ${BASE_IMAGE}
 *     to: registry.example.com/ml/train
 *     add: ["src:/app", {src: configs, dest: /etc/train}]
 *     env: {PYTHONPATH: /app}
 *     workdir: /app
 *     entrypoint: [python, -m, train]
 * </pre>
 *
 * The file is read as a YAML node tree so that every error names its line. Only the images that
 * are built get their {@code ${VAR}}s substituted and their settings checked, so one environment
 * missing a variable does not block building another.
 */
public final class SpecFile {
  private static final Set<String> KEYS =
      Set.of("base", "to", "name", "add", "ignore", "env", "workdir", "entrypoint", "cmd", "user", "labels", "tags", "record");
  /** Steps that need to run a program inside the image; building them needs a container runtime. */
  private static final Set<String> RUN_STEPS =
      Set.of("pip", "pip_packages", "apt", "apt_packages", "conda", "run", "commands", "requirements", "packages");

  private final Path file;
  private final Map<String, MappingNode> images;

  private SpecFile(Path file, Map<String, MappingNode> images) {
    this.file = file;
    this.images = images;
  }

  public static SpecFile load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new BuildInputException("cannot read spec file " + file + ": " + e.getMessage(), e);
    }
    return parse(file, new StringReader(text));
  }

  static SpecFile parse(Path file, Reader reader) {
    Node root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(reader);
    } catch (YAMLException e) {
      throw new BuildInputException(file + ": not valid YAML: " + e.getMessage(), e);
    }
    Path where = file;
    if (!(root instanceof MappingNode top)) {
      throw new BuildInputException(file + ": expected a mapping with the key 'images'");
    }
    Map<String, Node> topKeys = entries(where, top);
    for (String k : topKeys.keySet()) {
      if (!k.equals("images")) {
        throw new BuildInputException(at(where, topKeys.get(k)) + "unknown top-level key '" + k + "' (expected 'images')");
      }
    }
    Node imagesNode = topKeys.get("images");
    if (!(imagesNode instanceof MappingNode imagesMap)) {
      throw new BuildInputException(file + ": 'images' must be a mapping from image name to its settings");
    }
    Map<String, MappingNode> images = new LinkedHashMap<>();
    for (Map.Entry<String, Node> e : entries(where, imagesMap).entrySet()) {
      if (!(e.getValue() instanceof MappingNode settings)) {
        throw new BuildInputException(at(where, e.getValue()) + "image '" + e.getKey() + "' must be a mapping of settings");
      }
      images.put(e.getKey(), settings);
    }
    return new SpecFile(file, images);
  }

  public Set<String> names() {
    return images.keySet();
  }

  /**
   * The specs of the named images, all checked before any is returned, so that a bad name or
   * setting fails the whole command before anything is built.
   */
  public List<BuildSpec> images(List<String> names, EnvSubstitution vars) {
    if (names.isEmpty()) {
      throw new BuildInputException("name the images to build from " + file + " (it has: " + String.join(", ", names()) + ")");
    }
    List<BuildSpec> specs = new ArrayList<>();
    for (String n : names) {
      specs.add(image(n, vars));
    }
    return specs;
  }

  public BuildSpec image(String imageName, EnvSubstitution vars) {
    MappingNode node = images.get(imageName);
    if (node == null) {
      throw new BuildInputException(
          file + " has no image '" + imageName + "' (it has: " + String.join(", ", names()) + ")");
    }
    return new ImageReader(imageName, vars).read(node);
  }

  /** Converts one image's node tree, substituting variables in every scalar. */
  private final class ImageReader {
    private final String image;
    private final EnvSubstitution vars;
    private final Path dir;

    ImageReader(String image, EnvSubstitution vars) {
      this.image = image;
      this.vars = vars;
      Path parent = file.toAbsolutePath().getParent();
      this.dir = parent == null ? Path.of("/") : parent;
    }

    BuildSpec read(MappingNode node) {
      Map<String, Node> keys = entries(file, node);
      for (Map.Entry<String, Node> e : keys.entrySet()) {
        if (RUN_STEPS.contains(e.getKey())) {
          throw error(e.getValue(), "'" + e.getKey() + "' is not supported yet: lazypull build only adds files and settings"
              + " to a base image and cannot run commands in it; install packages in the base image's Dockerfile");
        }
        if (!KEYS.contains(e.getKey())) {
          throw error(e.getValue(), "unknown key '" + e.getKey() + "' (known: " + String.join(", ", KEYS.stream().sorted().toList()) + ")");
        }
      }
      if (!keys.containsKey("base")) {
        throw error(node, "'base' (the base image) is missing");
      }
      if (!keys.containsKey("to")) {
        throw error(node, "'to' (the target repository) is missing");
      }
      String workdir = keys.containsKey("workdir") ? scalar(keys.get("workdir")) : null;
      List<AddSpec> adds = new ArrayList<>();
      if (keys.containsKey("add")) {
        for (Node a : sequence(keys.get("add"))) {
          adds.add(add(a, workdir));
        }
      }
      String name = keys.containsKey("name") ? scalar(keys.get("name")) : image;
      String base = scalar(keys.get("base"));
      String to = scalar(keys.get("to"));
      Path ignore = keys.containsKey("ignore") ? dir.resolve(scalar(keys.get("ignore"))).normalize() : null;
      Map<String, String> env = keys.containsKey("env") ? map(keys.get("env")) : Map.of();
      List<String> entrypoint = keys.containsKey("entrypoint") ? command(keys.get("entrypoint")) : null;
      List<String> cmd = keys.containsKey("cmd") ? command(keys.get("cmd")) : null;
      String user = keys.containsKey("user") ? scalar(keys.get("user")) : null;
      Map<String, String> labels = keys.containsKey("labels") ? map(keys.get("labels")) : Map.of();
      List<String> tags = keys.containsKey("tags") ? sequence(keys.get("tags")).stream().map(this::scalar).toList() : List.of();
      List<String> record = keys.containsKey("record") ? record(keys.get("record")) : List.of();
      try {
        return new BuildSpec(name, base, to, adds, ignore, env, workdir, entrypoint, cmd, user, labels, tags, record);
      } catch (BuildInputException e) {
        throw error(node, e.getMessage());
      }
    }

    private AddSpec add(Node n, String workdir) {
      if (n instanceof MappingNode m) {
        Map<String, Node> k = entries(file, m);
        for (String key : k.keySet()) {
          if (!key.equals("src") && !key.equals("dest")) {
            throw error(k.get(key), "unknown key '" + key + "' in 'add' (expected src and dest)");
          }
        }
        if (!k.containsKey("src")) {
          throw error(n, "'add' entry without 'src'");
        }
        String src = scalar(k.get("src"));
        String dest = k.containsKey("dest") ? scalar(k.get("dest")) : workdir;
        if (dest == null) {
          throw error(n, "'add' of '" + src + "' needs 'dest' (or set 'workdir')");
        }
        return checked(n, () -> new AddSpec(dir.resolve(src).normalize(), dest));
      }
      String value = scalar(n);
      return checked(n, () -> AddSpec.parse(value, dir, workdir));
    }

    private AddSpec checked(Node n, java.util.function.Supplier<AddSpec> make) {
      try {
        return make.get();
      } catch (BuildInputException e) {
        throw error(n, e.getMessage());
      }
    }

    /** A command as a list, or as one string (see {@link CommandValue}). */
    private List<String> command(Node n) {
      if (n instanceof SequenceNode) {
        return sequence(n).stream().map(this::scalar).toList();
      }
      String value = scalar(n);
      try {
        return CommandValue.parse(value);
      } catch (BuildInputException e) {
        throw error(n, e.getMessage());
      }
    }

    private Map<String, String> map(Node n) {
      if (!(n instanceof MappingNode m)) {
        throw error(n, "expected a mapping of KEY: value");
      }
      Map<String, String> out = new LinkedHashMap<>();
      entries(file, m).forEach((k, v) -> out.put(k, scalar(v)));
      return out;
    }

    /** {@code record: true} (the image's entrypoint and cmd), {@code record: CMD} or a list of commands. */
    private List<String> record(Node n) {
      if (n instanceof ScalarNode s && s.getTag().equals(org.yaml.snakeyaml.nodes.Tag.BOOL)) {
        return s.getValue().equalsIgnoreCase("true") ? List.of(BuildSpec.RECORD_IMAGE_COMMAND) : List.of();
      }
      if (n instanceof ScalarNode) {
        return List.of(scalar(n));
      }
      List<String> out = new ArrayList<>();
      for (Node c : sequence(n)) {
        String command = scalar(c);
        if (command.isBlank()) {
          throw error(c, "'record' entry is empty (use 'record: true' for the image's entrypoint and cmd)");
        }
        out.add(command);
      }
      return out;
    }

    private List<Node> sequence(Node n) {
      if (!(n instanceof SequenceNode s)) {
        throw error(n, "expected a list");
      }
      return s.getValue();
    }

    private String scalar(Node n) {
      if (!(n instanceof ScalarNode s)) {
        throw error(n, "expected a single value");
      }
      try {
        return vars.apply(s.getValue());
      } catch (EnvSubstitution.UnsetVariableException e) {
        throw error(n, e.getMessage());
      }
    }

    private BuildInputException error(Node n, String message) {
      return new BuildInputException(at(file, n) + "image '" + image + "': " + message);
    }
  }

  private static Map<String, Node> entries(Path file, MappingNode m) {
    Map<String, Node> out = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    for (NodeTuple t : m.getValue()) {
      if (!(t.getKeyNode() instanceof ScalarNode k)) {
        throw new BuildInputException(at(file, t.getKeyNode()) + "keys must be plain strings");
      }
      if (!seen.add(k.getValue())) {
        throw new BuildInputException(at(file, k) + "key '" + k.getValue() + "' appears twice");
      }
      out.put(k.getValue(), t.getValueNode());
    }
    return out;
  }

  private static String at(Path file, Node n) {
    return file + ":" + (n.getStartMark().getLine() + 1) + ": ";
  }
}
