package dev.lazypull.agent.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.agent.containerd.SnapshotFilter.FilterSyntaxException;
import dev.lazypull.agent.snapshots.Kind;
import dev.lazypull.agent.snapshots.Snapshot;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SnapshotFilterTest {
  private static final String CHAIN = "sha256:b306859f43b125c8bb6c38025fdbf463f9fbe1ef23a2c1c838f94b4184917ded";
  private static final Snapshot LAYER = snapshot(CHAIN, "sha256:a021f1899fad679d05db2132508a96d32ec575975eb48ef94f460fcbbe49260a",
      Kind.COMMITTED, Map.of("containerd.io/snapshot.ref", CHAIN, "team", "ml"));
  private static final Snapshot ACTIVE = snapshot("default/7/numpy-1", CHAIN, Kind.ACTIVE, Map.of());

  private static Snapshot snapshot(String key, String parent, Kind kind, Map<String, String> labels) {
    return new Snapshot(1, key, 2, parent, kind, Instant.EPOCH, Instant.EPOCH, labels, null, false);
  }

  private static boolean matches(Snapshot s, String... filters) throws FilterSyntaxException {
    return SnapshotFilter.parse(List.of(filters)).matches(s);
  }

  @Test
  void theFilterOfContainerdsRemoteSnapshotHandshake() throws Exception {
    // metadata/snapshot.go: labels."containerd.io/snapshot.ref"==%s,parent==%q
    String filter = "labels.\"containerd.io/snapshot.ref\"==" + CHAIN + ",parent==\"" + LAYER.parentKey() + "\"";
    assertThat(matches(LAYER, filter)).isTrue();
    assertThat(matches(ACTIVE, filter)).isFalse();
    assertThat(matches(LAYER, "labels.\"containerd.io/snapshot.ref\"==" + CHAIN + ",parent==\"other\"")).isFalse();
  }

  @Test
  void noFilterOrAnEmptyOneMatchesEverything() throws Exception {
    assertThat(matches(ACTIVE)).isTrue();
    assertThat(matches(ACTIVE, "")).isTrue();
  }

  @Test
  void filtersAreOredAndSelectorsAnded() throws Exception {
    assertThat(matches(ACTIVE, "kind==committed", "kind==active")).isTrue();
    assertThat(matches(ACTIVE, "kind==active,name==nope")).isFalse();
    assertThat(matches(LAYER, "kind==committed,labels.team==ml")).isTrue();
  }

  @Test
  void presenceNotEqualAndRegularExpressions() throws Exception {
    assertThat(matches(LAYER, "labels.team")).isTrue();
    assertThat(matches(ACTIVE, "labels.team")).isFalse();
    assertThat(matches(ACTIVE, "labels.team!=ml")).isTrue(); // absent counts as ""
    assertThat(matches(LAYER, "labels.team!=ml")).isFalse();
    assertThat(matches(ACTIVE, "name~=/numpy-[0-9]+$/")).isTrue();
    assertThat(matches(ACTIVE, "name~=|^default/|")).isTrue();
    assertThat(matches(ACTIVE, "name~=\"^other\"")).isFalse();
    assertThat(matches(ACTIVE, "parent~=b306")).isTrue();
  }

  @Test
  void quotedFieldsAndValuesUseGoEscapes() throws Exception {
    Snapshot s = snapshot("a b,c", "", Kind.VIEW, Map.of("x.y", "tab\there", "q", "say \"hi\""));
    assertThat(matches(s, "name==\"a b,c\"")).isTrue();
    assertThat(matches(s, "labels.\"x.y\"==\"tab\\there\"")).isTrue();
    assertThat(matches(s, "labels.x.y==\"tab\\x09here\"")).isTrue(); // fields after labels join with '.'
    assertThat(matches(s, "labels.q==\"say \\\"hi\\\"\"")).isTrue();
    assertThat(matches(s, "  kind == view , parent==\"\"  ")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"name==", "name=~x", "name===x", ",name==x", "name==x,", "\"unterminated==x", "labels.", "name==/x/",
      "name~=/x", "name==\"bad \\q escape\"", "name~=\"(\"", "na-me==x", ".name==x", "name==a b", "name==\"\\u12\""})
  void malformedFiltersAreRejectedWithTheirPosition(String filter) {
    assertThatThrownBy(() -> SnapshotFilter.parse(List.of(filter))).isInstanceOf(FilterSyntaxException.class)
        .hasMessageContaining("filter");
  }

  @Test
  void anOverlongFilterIsRejected() {
    assertThatThrownBy(() -> SnapshotFilter.parse(List.of("name==" + "x".repeat(20_000))))
        .isInstanceOf(FilterSyntaxException.class).hasMessageContaining("over the limit");
  }
}
