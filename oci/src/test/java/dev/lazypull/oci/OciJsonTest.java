package dev.lazypull.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OciJsonTest {
  private static final Digest A = Digest.sha256("a".getBytes(StandardCharsets.UTF_8));
  private static final Digest B = Digest.sha256("b".getBytes(StandardCharsets.UTF_8));

  @Test
  void manifestSerialisesInSpecFieldOrderAndRoundTrips() {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("z.last", "1");
    annotations.put("a.first", "2");
    ImageManifest m = ImageManifest.oci(new Descriptor(MediaTypes.OCI_CONFIG, A, 10),
            List.of(new Descriptor(MediaTypes.OCI_LAYER_ZSTD, B, 20).withAnnotations(Map.of("k", "v"))))
        .withAnnotations(annotations);
    String json = new String(m.toJson(), StandardCharsets.UTF_8);
    assertThat(json).isEqualTo(
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + A + "\",\"size\":10},"
            + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" + B + "\",\"size\":20,\"annotations\":{\"k\":\"v\"}}],"
            + "\"annotations\":{\"z.last\":\"1\",\"a.first\":\"2\"}}");
    ImageManifest back = OciJson.parseManifest(m.toJson());
    assertThat(back).isEqualTo(m);
    assertThat(back.annotations().keySet()).containsExactly("z.last", "a.first");
    assertThat(back.toJson()).isEqualTo(m.toJson());
  }

  @Test
  void indexRoundTripsAndSelectsPlatforms() {
    Descriptor amd = new Descriptor(MediaTypes.OCI_MANIFEST, A, 1, Map.of(), new Platform("linux", "amd64", null));
    Descriptor armV7 = new Descriptor(MediaTypes.OCI_MANIFEST, B, 2, Map.of(), new Platform("linux", "arm", "v7"));
    Descriptor attestation = new Descriptor(MediaTypes.OCI_MANIFEST, B, 3, Map.of(), new Platform("unknown", "unknown", null));
    ImageIndex index = ImageIndex.oci(List.of(attestation, armV7, amd));
    assertThat(OciJson.parseIndex(index.toJson())).isEqualTo(index);
    assertThat(index.select(new Platform("linux", "amd64", null))).contains(amd);
    assertThat(index.select(new Platform("linux", "arm", "v7"))).contains(armV7);
    assertThat(index.select(new Platform("linux", "arm", null))).contains(armV7);
    assertThat(index.select(new Platform("linux", "arm", "v6"))).isEmpty();
    assertThat(index.select(new Platform("linux", "s390x", null))).isEmpty();
  }

  @Test
  void dockerSchema2WithoutOptionalFieldsParses() {
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + MediaTypes.DOCKER_CONFIG + "\",\"size\":5,\"digest\":\"" + A + "\"},\"layers\":[]}";
    ImageManifest m = OciJson.parseManifest(json.getBytes(StandardCharsets.UTF_8));
    assertThat(m.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
    assertThat(OciJson.detectMediaType(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(MediaTypes.DOCKER_MANIFEST);
    assertThat(OciJson.detectMediaType("{\"schemaVersion\":2,\"manifests\":[]}".getBytes(StandardCharsets.UTF_8))).isEqualTo(MediaTypes.OCI_INDEX);
  }

  @Test
  void badJsonNamesTheWrongField() {
    assertThatThrownBy(() -> OciJson.parseManifest("{\"schemaVersion\":1}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("schemaVersion");
    assertThatThrownBy(() -> OciJson.parseManifest("{\"schemaVersion\":2,\"layers\":[]}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("'config'");
    assertThatThrownBy(() -> OciJson.parseManifest(("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" + A
            + "\",\"size\":1},\"layers\":[{\"mediaType\":\"y\",\"digest\":\"md5:00\",\"size\":1}]}").getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("manifest layer 0").hasMessageContaining("md5:00");
    assertThatThrownBy(() -> OciJson.parseIndex("not json".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("not valid JSON");
  }

  @Test
  void everyDescriptorFieldOfTheSpecRoundTripsInSpecOrder() {
    String json = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{"
        + "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":7,"
        + "\"urls\":[\"https://a.example/x\"],"
        + "\"annotations\":{\"k\":\"v\"},"
        + "\"data\":\"e30=\","
        + "\"platform\":{\"architecture\":\"amd64\",\"os\":\"windows\",\"os.version\":\"10.0.17763.1879\","
        + "\"os.features\":[\"win32k\"],\"variant\":\"v2\"},"
        + "\"artifactType\":\"application/vnd.example\"}]}";
    ImageIndex index = OciJson.parseIndex(json.getBytes(StandardCharsets.UTF_8));
    Descriptor d = index.manifests().getFirst();
    assertThat(d.urls()).containsExactly("https://a.example/x");
    assertThat(d.data()).isEqualTo("e30=");
    assertThat(d.artifactType()).isEqualTo("application/vnd.example");
    assertThat(d.platform()).isEqualTo(new Platform("windows", "amd64", "v2", "10.0.17763.1879", List.of("win32k")));
    assertThat(new String(index.toJson(), StandardCharsets.UTF_8)).isEqualTo(json);

    assertThatThrownBy(() -> OciJson.parseIndex(json.replace("e30=", "!!").getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("base64");
    assertThatThrownBy(() -> OciJson.parseIndex(json.replace("[\"https://a.example/x\"]", "\"x\"").getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("urls");
  }
}
