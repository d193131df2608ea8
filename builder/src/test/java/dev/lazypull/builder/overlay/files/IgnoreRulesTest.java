package dev.lazypull.builder.overlay.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class IgnoreRulesTest {
  private static IgnoreRules rules(String... lines) {
    return IgnoreRules.parse(List.of(lines));
  }

  @Test
  void plainPatternsMatchThePathAndEverythingBelowIt() {
    IgnoreRules r = rules("# comment", "", ".git", "/build/", "*.pyc");
    assertThat(r.excludes(".git")).isTrue();
    assertThat(r.excludes(".git/objects/ab")).isTrue();
    assertThat(r.excludes("build/out.jar")).isTrue();
    assertThat(r.excludes("x.pyc")).isTrue();
    assertThat(r.excludes("pkg/x.pyc")).as("* does not cross '/'").isFalse();
    assertThat(r.excludes("src/build/x")).as("patterns are anchored at the root").isFalse();
    assertThat(r.excludes("# comment")).isFalse();
  }

  @Test
  void doubleStarMatchesAnyNumberOfDirectories() {
    IgnoreRules r = rules("**/__pycache__", "docs/**/*.md", "**.log");
    assertThat(r.excludes("__pycache__")).isTrue();
    assertThat(r.excludes("a/b/__pycache__/m.pyc")).isTrue();
    assertThat(r.excludes("docs/x.md")).isTrue();
    assertThat(r.excludes("docs/a/b/x.md")).isTrue();
    assertThat(r.excludes("docs/a/b/x.txt")).isFalse();
    assertThat(r.excludes("deep/dir/app.log")).isTrue();
  }

  @Test
  void lastMatchingLineWinsAndNegationReincludes() {
    IgnoreRules r = rules("*.md", "!README.md", "docs", "!docs/keep.txt");
    assertThat(r.excludes("CHANGES.md")).isTrue();
    assertThat(r.excludes("README.md")).isFalse();
    assertThat(r.excludes("docs/other.txt")).isTrue();
    assertThat(r.excludes("docs/keep.txt")).isFalse();
    assertThat(r.canSkipExcludedDirectories()).isFalse();
    assertThat(rules("a", "b").canSkipExcludedDirectories()).isTrue();
  }

  @Test
  void questionMarksClassesAndEscapes() {
    IgnoreRules r = rules("file?.txt", "[abc].bin", "[^x]y", "lit\\*eral", "./dir/../other");
    assertThat(r.excludes("file1.txt")).isTrue();
    assertThat(r.excludes("file12.txt")).isFalse();
    assertThat(r.excludes("b.bin")).isTrue();
    assertThat(r.excludes("d.bin")).isFalse();
    assertThat(r.excludes("zy")).isTrue();
    assertThat(r.excludes("xy")).isFalse();
    assertThat(r.excludes("lit*eral")).isTrue();
    assertThat(r.excludes("litXeral")).isFalse();
    assertThat(r.excludes("other")).isTrue();
  }
}
