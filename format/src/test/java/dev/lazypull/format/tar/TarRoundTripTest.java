package dev.lazypull.format.tar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.format.TarEntry;
import dev.lazypull.testkit.images.TarWriter;
import dev.lazypull.testkit.images.TestEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** Whatever a writer puts into a tar, the reader gives back, and the pieces it hands out add up to the input. */
class TarRoundTripTest {

  @Property(tries = 200)
  void metadataSurvivesEveryHeaderStyle(@ForAll("entries") @Size(max = 12) List<TestEntry> entries) throws IOException {
    List<TestEntry> unique = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      TestEntry e = entries.get(i);
      unique.add(new TestEntry("e" + i + "/" + e.name(), e.typeflag(), e.mode(), e.uid(), e.gid(),
          e.mtimeSeconds(), e.mtimeNanos(), e.link(), e.data(), e.devMajor(), e.devMinor(), e.xattrs(), e.style(),
          e.extraPax()));
    }
    byte[] tar = TarWriter.tar(unique.toArray(TestEntry[]::new));
    List<TarEntry> headers = TarReaderTest.readAll(tar);
    assertThat(headers).hasSameSizeAs(unique);
    for (int i = 0; i < headers.size(); i++) {
      TestEntry e = unique.get(i);
      TarEntry h = headers.get(i);
      assertThat(h.path()).isEqualTo(e.name());
      assertThat(h.mode()).isEqualTo(e.mode());
      assertThat(h.uid()).isEqualTo(e.uid());
      assertThat(h.gid()).isEqualTo(e.gid());
      assertThat(h.size()).isEqualTo(e.data().length);
      assertThat(h.mtimeSeconds()).isEqualTo(e.mtimeSeconds());
      assertThat(h.mtimeNanos()).isEqualTo(e.mtimeNanos());
      assertThat(h.xattrs().keySet()).isEqualTo(e.xattrs().keySet());
      for (String k : e.xattrs().keySet()) {
        assertThat(h.xattrs().get(k)).isEqualTo(e.xattrs().get(k));
      }
      if (e.typeflag() == '2') {
        assertThat(h.linkName()).isEqualTo(e.link());
      }
    }
  }

  @Provide
  Arbitrary<List<TestEntry>> entries() {
    Arbitrary<String> component = Arbitraries.strings().withChars("abcxyzé_-.0123").ofMinLength(1).ofMaxLength(60)
        .filter(s -> !s.equals(".") && !s.equals("..") && !s.startsWith(".wh."));
    Arbitrary<String> name = component.list().ofMinSize(1).ofMaxSize(5).map(l -> String.join("/", l));
    Arbitrary<byte[]> data = Arbitraries.bytes().array(byte[].class).ofMaxSize(3000);
    Arbitrary<TestEntry> file = Combinators.combine(name, data).as(TestEntry::file);
    Arbitrary<TestEntry> symlink = Combinators.combine(name, name).as(TestEntry::symlink);
    Arbitrary<TestEntry> base = Arbitraries.oneOf(file, symlink, name.map(TestEntry::fifo));
    Arbitrary<TestEntry> withMeta = Combinators.combine(
            base,
            Arbitraries.integers().between(0, 07777),
            Arbitraries.longs().between(0, TarEntry.MAX_ID),
            Arbitraries.longs().between(0, 1L << 33),
            Arbitraries.integers().between(0, 999_999_999),
            Arbitraries.of(TestEntry.Style.PAX, TestEntry.Style.GNU),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(40).optional())
        .as((e, mode, id, mtime, nanos, style, xattr) -> {
          TestEntry t = e.mode(mode).owner(id, id / 2).style(style);
          t = style == TestEntry.Style.PAX ? t.mtime(mtime, nanos) : t.mtime(mtime % 077777777777L, 0);
          if (style == TestEntry.Style.GNU) {
            t = t.owner(id, id / 2);
          }
          // GNU tar has no xattr records of its own; xattrs always come as PAX records.
          return xattr.isPresent() && style == TestEntry.Style.PAX ? t.xattr("user.x", xattr.get()) : t;
        });
    return withMeta.list();
  }
}
