package dev.lazypull.format.merge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.format.testing.TestTar;
import dev.lazypull.format.toc.LayerToc;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The merged tree agrees with a second, independent model of layer application: a map from path
 * to (type, mode, inode token) where removing a directory drops every path below it.
 */
class MergedIndexModelTest {
  private static final EncoderOptions OPTIONS = EncoderOptions.defaults().withThreads(1);
  private static final String[] NAMES = {"a", "b", "c"};

  /** What the model knows of a path; hardlinked paths share one {@code token}. */
  record Node(EntryType type, int mode, Object token) {}

  /** A path of one to three components from {@link #NAMES}. */
  record Path(List<String> parts) {
    String text() {
      return String.join("/", parts);
    }
  }

  /** A whiteout (of the path, or an opaque marker in its parent), applied to the layers below. */
  record Removal(Path path, boolean opaque) {}

  /** An entry: a directory, file, symlink, or a hardlink to the {@code pick}-th file known so far. */
  record Addition(Path path, EntryType type, int mode, int pick) {}

  record Layer(List<Removal> removals, List<Addition> additions) {}

  @Provide
  Arbitrary<List<Layer>> layers() {
    Arbitrary<Path> path = Arbitraries.of(NAMES).list().ofMinSize(1).ofMaxSize(3).map(Path::new);
    Arbitrary<Removal> removal = Combinators.combine(path, Arbitraries.of(false, true)).as(Removal::new);
    Arbitrary<Addition> addition = Combinators.combine(path,
        Arbitraries.of(EntryType.DIR, EntryType.FILE, EntryType.SYMLINK, EntryType.HARDLINK),
        Arbitraries.integers().between(0600, 0677), Arbitraries.integers().between(0, 1000)).as(Addition::new);
    Arbitrary<Layer> layer = Combinators.combine(removal.list().ofMaxSize(2), addition.list().ofMinSize(1).ofMaxSize(12))
        .as(Layer::new);
    return layer.list().ofMinSize(1).ofMaxSize(3);
  }

  @Property(tries = 150)
  void mergedTreeMatchesThePathModel(@ForAll("layers") List<Layer> layers) throws Exception {
    TreeMap<String, Node> model = new TreeMap<>();
    List<LayerToc> tocs = new ArrayList<>();
    for (Layer layer : layers) {
      TestTar tar = new TestTar();
      for (Removal r : layer.removals()) {
        String path = r.path().text();
        String parent = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
        String base = path.substring(path.lastIndexOf('/') + 1);
        if (!r.opaque()) { // whiteouts act on the layers below, before this layer's entries
          tar.file((parent.isEmpty() ? "" : parent + "/") + ".wh." + base, new byte[0]);
          removeTree(model, path);
        } else if (!parent.isEmpty()) {
          tar.file(parent + "/.wh..wh..opq", new byte[0]);
          removeTree(model, parent + "/");
        }
      }
      for (Addition add : layer.additions()) {
        String path = add.path().text();
        if (blockedByNonDirectory(model, path)) {
          continue;
        }
        int mode = add.mode();
        List<String> files = model.entrySet().stream().filter(e -> e.getValue().type() == EntryType.FILE)
            .map(Map.Entry::getKey).toList();
        if (add.type() == EntryType.DIR) {
          tar.add(new TarEntry(path, EntryType.DIR, mode, 0, 0, 0, 0, 0, null, 0, 0, Map.of()), new byte[0]);
          Node old = model.get(path);
          if (old == null || old.type() != EntryType.DIR) {
            removeTree(model, path);
          }
          model.put(path, new Node(EntryType.DIR, mode, old != null && old.type() == EntryType.DIR ? old.token() : new Object()));
        } else if (add.type() == EntryType.HARDLINK) {
          if (files.isEmpty()) {
            continue;
          }
          String target = files.get(add.pick() % files.size());
          if (target.equals(path)) {
            continue;
          }
          tar.hardlink(path, target);
          Node shared = model.get(target); // resolved before the link replaces anything
          removeTree(model, path);
          model.put(path, shared);
        } else {
          boolean file = add.type() == EntryType.FILE;
          tar.add(new TarEntry(path, add.type(), mode, 0, 0, file ? 3 : 0, 0, 0,
              file ? null : "t", 0, 0, Map.of()), file ? new byte[] {1, 2, 3} : new byte[0]);
          removeTree(model, path);
          model.put(path, new Node(add.type(), mode, new Object()));
        }
        addImplicitParents(model, path);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      EncodedLayer encoded = tar.encode(OPTIONS, out);
      byte[] blob = out.toByteArray();
      tocs.add(LayerToc.read(Arrays.copyOfRange(blob, (int) encoded.toc().offset(), blob.length), encoded.descriptor(),
          encoded.toc(), IndexBudget.unlimited()));
    }

    MergedIndex index = MergedIndex.of(tocs);

    Map<Object, Long> inodeOfToken = new HashMap<>();
    for (Map.Entry<String, Node> e : model.entrySet()) {
      long ino = index.lookupPath(e.getKey());
      assertThat(ino).as(e.getKey()).isPositive();
      assertThat(index.type(ino)).as(e.getKey()).isEqualTo(e.getValue().type());
      if (e.getValue().mode() >= 0) {
        assertThat(index.mode(ino)).as(e.getKey()).isEqualTo(e.getValue().mode());
      }
      Long previous = inodeOfToken.putIfAbsent(e.getValue().token(), ino);
      assertThat(previous == null || previous == ino).as("hardlinks of " + e.getKey()).isTrue();
    }
    assertThat(countPaths(index, MergedIndex.ROOT)).isEqualTo(model.size());
    assertThat(inodeOfToken.values().stream().distinct().count()).isEqualTo(inodeOfToken.size());
  }

  /** An ancestor that is not a directory makes the entry invalid (MergedIndex rejects it). */
  private static boolean blockedByNonDirectory(Map<String, Node> model, String path) {
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      Node n = model.get(path.substring(0, slash));
      if (n != null && n.type() != EntryType.DIR) {
        return true;
      }
    }
    return false;
  }

  private static void addImplicitParents(Map<String, Node> model, String path) {
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      model.putIfAbsent(path.substring(0, slash), new Node(EntryType.DIR, 0755, new Object()));
    }
  }

  /** Removes {@code path} and everything below it; a path ending in '/' removes only what is below. */
  private static void removeTree(TreeMap<String, Node> model, String path) {
    String dir = path.endsWith("/") ? path : path + "/";
    if (!path.endsWith("/")) {
      model.remove(path);
    }
    model.subMap(dir, true, dir + Character.MAX_VALUE, true).clear();
  }

  private static int countPaths(MergedIndex index, long dir) {
    int n = 0;
    for (int i = 0; i < index.childCount(dir); i++) {
      long child = index.childInode(dir, i);
      assertThat(new String(index.childName(dir, i), StandardCharsets.UTF_8)).doesNotStartWith(".wh.");
      n += 1 + (index.type(child) == EntryType.DIR ? countPaths(index, child) : 0);
    }
    return n;
  }
}
