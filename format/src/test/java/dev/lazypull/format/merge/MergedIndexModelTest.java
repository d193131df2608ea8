package dev.lazypull.format.merge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
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
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The merged tree agrees with a second, independent model of layer application: a map from path
 * to (type, mode, inode token) where removing a directory drops every path below it.
 */
class MergedIndexModelTest {
  private static final EncoderOptions OPTIONS = EncoderOptions.defaults().withThreads(1);
  private static final String[] NAMES = {"a", "b", "c"};

  /** What the model knows of a path; hardlinked paths share one {@code token}. */
  record Node(EntryType type, int mode, Object token) {}

  @Property(tries = 150)
  void mergedTreeMatchesThePathModel(@ForAll long seed) throws Exception {
    Random random = new Random(seed);
    TreeMap<String, Node> model = new TreeMap<>();
    List<LayerToc> tocs = new ArrayList<>();
    for (int layer = 0, layers = 1 + random.nextInt(3); layer < layers; layer++) {
      TestTar tar = new TestTar();
      for (int op = 0, ops = 1 + random.nextInt(12); op < ops; op++) {
        String path = randomPath(random);
        String parent = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
        String base = path.substring(path.lastIndexOf('/') + 1);
        int kind = random.nextInt(10);
        if (kind == 0) { // whiteouts act on the layers below, before this layer's entries
          tar.file((parent.isEmpty() ? "" : parent + "/") + ".wh." + base, new byte[0]);
          removeTree(model, path);
        } else if (kind == 1 && !parent.isEmpty()) {
          tar.file(parent + "/.wh..wh..opq", new byte[0]);
          removeTree(model, parent + "/");
        }
      }
      for (int op = 0, ops = 1 + random.nextInt(12); op < ops; op++) {
        String path = randomPath(random);
        if (blockedByNonDirectory(model, path)) {
          continue;
        }
        int kind = random.nextInt(4);
        int mode = 0600 + random.nextInt(0100);
        if (kind == 0) {
          tar.add(new TarEntry(path, EntryType.DIR, mode, 0, 0, 0, 0, 0, null, 0, 0, Map.of()), new byte[0]);
          Node old = model.get(path);
          if (old == null || old.type() != EntryType.DIR) {
            removeTree(model, path);
          }
          model.put(path, new Node(EntryType.DIR, mode, old != null && old.type() == EntryType.DIR ? old.token() : new Object()));
        } else if (kind == 3 && model.values().stream().anyMatch(n -> n.type() == EntryType.FILE)) {
          String target = model.entrySet().stream().filter(e -> e.getValue().type() == EntryType.FILE)
              .skip(random.nextInt((int) model.values().stream().filter(n -> n.type() == EntryType.FILE).count()))
              .findFirst().orElseThrow().getKey();
          if (target.equals(path)) {
            continue;
          }
          tar.hardlink(path, target);
          Node shared = model.get(target); // resolved before the link replaces anything
          removeTree(model, path);
          model.put(path, shared);
        } else {
          boolean file = kind == 1;
          tar.add(new TarEntry(path, file ? EntryType.FILE : EntryType.SYMLINK, mode, 0, 0, file ? 3 : 0, 0, 0,
              file ? null : "t", 0, 0, Map.of()), file ? new byte[] {1, 2, 3} : new byte[0]);
          removeTree(model, path);
          model.put(path, new Node(file ? EntryType.FILE : EntryType.SYMLINK, mode, new Object()));
        }
        addImplicitParents(model, path);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      EncodedLayer encoded = tar.encode(OPTIONS, out);
      byte[] blob = out.toByteArray();
      tocs.add(LayerToc.read(Arrays.copyOfRange(blob, (int) encoded.toc().offset(), blob.length), encoded.toc(),
          encoded.digest()));
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

  private static String randomPath(Random random) {
    StringBuilder p = new StringBuilder(NAMES[random.nextInt(NAMES.length)]);
    for (int depth = random.nextInt(3); depth > 0; depth--) {
      p.append('/').append(NAMES[random.nextInt(NAMES.length)]);
    }
    return p.toString();
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
