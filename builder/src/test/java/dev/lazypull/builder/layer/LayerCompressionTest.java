package dev.lazypull.builder.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import dev.lazypull.testkit.images.TestLayout;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LayerCompressionTest {
  private static final byte[] DATA = "a tar stream, as far as this test cares\n".repeat(100).getBytes(StandardCharsets.UTF_8);

  @Test
  void mediaTypesOfOciAndDocker() {
    assertThat(LayerCompression.ofMediaType("application/vnd.oci.image.layer.v1.tar+gzip")).isEqualTo(LayerCompression.GZIP);
    assertThat(LayerCompression.ofMediaType("application/vnd.docker.image.rootfs.diff.tar.gzip")).isEqualTo(LayerCompression.GZIP);
    assertThat(LayerCompression.ofMediaType("application/vnd.oci.image.layer.v1.tar+zstd")).isEqualTo(LayerCompression.ZSTD);
    assertThat(LayerCompression.ofMediaType("application/vnd.oci.image.layer.v1.tar")).isEqualTo(LayerCompression.NONE);
    assertThatThrownBy(() -> LayerCompression.ofMediaType("application/vnd.in-toto+json"))
        .hasMessage("not a tar layer media type: application/vnd.in-toto+json");
  }

  @Test
  void decompressesWhatItDeclares() throws IOException {
    assertThat(LayerCompression.GZIP.decompress(new ByteArrayInputStream(TestLayout.gzip(DATA)), "l").readAllBytes()).isEqualTo(DATA);
    assertThat(LayerCompression.ZSTD.decompress(new ByteArrayInputStream(Zstd.compress(DATA)), "l").readAllBytes()).isEqualTo(DATA);
    assertThat(LayerCompression.NONE.decompress(new ByteArrayInputStream(DATA), "l").readAllBytes()).isEqualTo(DATA);
  }

  @Test
  void refusesContentThatContradictsTheMediaType() {
    assertThatThrownBy(() -> LayerCompression.GZIP.decompress(new ByteArrayInputStream(DATA), "sha256:abc"))
        .hasMessage("layer sha256:abc is declared gzip but its content is an uncompressed tar");
    assertThatThrownBy(() -> LayerCompression.NONE.decompress(new ByteArrayInputStream(Zstd.compress(DATA)), "sha256:abc"))
        .hasMessage("layer sha256:abc is declared an uncompressed tar but its content is zstd");
  }
}
