package dev.lazypull.registry.remote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.RegistryException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RegistryErrorsTest {
  @Test
  void theRegistrysCodeMessageAndDetailAreKept() {
    RegistryException e = RegistryErrors.of(404,
        "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{\"Tag\":\"v9\"}}]}".getBytes(StandardCharsets.UTF_8),
        "r/x:v9", ErrorCode.BLOB_UNKNOWN);
    assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_UNKNOWN);
    assertThat(e.httpStatus()).isEqualTo(404);
    assertThat(e.detail()).isEqualTo("manifest unknown ({\"Tag\":\"v9\"})");
    assertThat(e.getMessage()).contains("MANIFEST_UNKNOWN", "r/x:v9", "HTTP 404", ErrorCode.MANIFEST_UNKNOWN.hint());
  }

  @Test
  void withoutABodyTheStatusDecides() {
    assertThat(RegistryErrors.of(404, new byte[0], "r", ErrorCode.BLOB_UNKNOWN).code()).isEqualTo(ErrorCode.BLOB_UNKNOWN);
    assertThat(RegistryErrors.of(401, null, "r", ErrorCode.BLOB_UNKNOWN).code()).isEqualTo(ErrorCode.UNAUTHORIZED);
    assertThat(RegistryErrors.of(403, null, "r", ErrorCode.BLOB_UNKNOWN).code()).isEqualTo(ErrorCode.DENIED);
    assertThat(RegistryErrors.of(429, null, "r", ErrorCode.BLOB_UNKNOWN).code()).isEqualTo(ErrorCode.TOOMANYREQUESTS);
    assertThat(RegistryErrors.of(502, null, "r", ErrorCode.BLOB_UNKNOWN).code()).isEqualTo(ErrorCode.SERVER_ERROR);
    assertThat(RegistryErrors.of(418, null, "r", ErrorCode.BLOB_UNKNOWN).code()).isEqualTo(ErrorCode.UNKNOWN);
  }

  @Test
  void aNonJsonBodyIsQuotedShortly() {
    RegistryException e = RegistryErrors.of(502, "<html>\n<body>Bad Gateway</body></html>".getBytes(StandardCharsets.UTF_8), "r", ErrorCode.BLOB_UNKNOWN);
    assertThat(e.code()).isEqualTo(ErrorCode.SERVER_ERROR);
    assertThat(e.detail()).isEqualTo("<html> <body>Bad Gateway</body></html>");
  }

  @Test
  void unknownRegistryCodesFallBackToTheStatus() {
    RegistryException e = RegistryErrors.of(403,
        "{\"errors\":[{\"code\":\"QUOTA_EXCEEDED\",\"message\":\"quota\"}]}".getBytes(StandardCharsets.UTF_8), "r", ErrorCode.BLOB_UNKNOWN);
    assertThat(e.code()).isEqualTo(ErrorCode.DENIED);
    assertThat(e.detail()).isEqualTo("quota");
  }
}
