package dev.lazypull.cli.containerd;

import dev.lazypull.builder.image.ConvertOptions;
import dev.lazypull.builder.image.ImageConverter;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.testkit.images.Commands;
import dev.lazypull.testkit.images.DebianImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A Debian test image converted by lazypull into the test registry, and the clean-up the containerd ITs share. */
record LazyTestImage(String ref, String manifestDigest, List<String> layers) {

  /** Converts Debian test image {@code tag} into {@code ref} (a registry reference whose tag is used). */
  static LazyTestImage convert(String tag, String ref, Path workDir) throws IOException {
    return convert(DebianImages.get().layout(), tag, ref, workDir);
  }

  /** As {@link #convert(String, String, Path)}, from the layout {@code layout} (the big stack image's, say). */
  static LazyTestImage convert(Path layout, String tag, String ref, Path workDir) throws IOException {
    String targetTag = ref.substring(ref.lastIndexOf(':') + 1);
    try (OciLayoutStore source = OciLayoutStore.open(layout);
        ImageStore target = ImageStores.open(ref, RegistryOptions.defaults())) {
      new ImageConverter(source, target, ConvertOptions.defaults().withWorkDir(Files.createDirectories(workDir)), Progress.silent())
          .convert(tag, targetTag);
      ManifestBytes m = target.getManifest(targetTag);
      return new LazyTestImage(ref, m.digest().toString(),
          OciJson.parseManifest(m.bytes(), m.mediaType()).layers().stream().map(d -> d.digest().toString()).toList());
    }
  }

  /** Unmounts whatever is still mounted under {@code work} (deepest first), then deletes it. */
  static void unmountAndDelete(Path work) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo")).reversed()) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].startsWith(work + "/")) {
        Commands.run(30, "umount", "-l", f[4]);
      }
    }
    Commands.run(300, "rm", "-rf", "--one-file-system", work.toString());
  }

  /** The DIGEST column of {@code ctr content ls} output (its labels name layer digests too). */
  static List<String> contentDigests(String ctrContentLs) {
    return ctrContentLs.lines().skip(1).map(l -> l.split("\\s+")[0]).sorted().toList();
  }
}
