package dev.lazypull.registry.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.RegistryException;
import java.nio.charset.StandardCharsets;

/** Turns an error response ({@code {"errors":[{"code","message","detail"}]}}) into an exception. */
final class RegistryErrors {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The exception for a failed response. {@code notFound} is the code used for a 404 without a
   * body (HEAD answers have none).
   */
  static RegistryException of(int status, byte[] body, String reference, ErrorCode notFound) {
    ErrorCode code = null;
    String message = null;
    if (body != null && body.length > 0) {
      try {
        JsonNode errors = JSON.readTree(body).path("errors");
        if (errors.isArray() && !errors.isEmpty()) {
          JsonNode first = errors.get(0);
          code = ErrorCode.fromRegistry(first.path("code").asText(null));
          message = first.path("message").asText("");
          JsonNode detail = first.get("detail");
          if (detail != null && !detail.isNull() && !detail.isMissingNode()) {
            message += " (" + (detail.isTextual() ? detail.asText() : detail.toString()) + ")";
          }
        }
      } catch (java.io.IOException | RuntimeException e) {
        message = snippet(body);
      }
    }
    if (code == null || code == ErrorCode.UNKNOWN) {
      code = switch (status) {
        case 401 -> ErrorCode.UNAUTHORIZED;
        case 403 -> ErrorCode.DENIED;
        case 404 -> notFound;
        case 416 -> ErrorCode.RANGE_NOT_SATISFIED;
        case 429 -> ErrorCode.TOOMANYREQUESTS;
        default -> status >= 500 ? ErrorCode.SERVER_ERROR : ErrorCode.UNKNOWN;
      };
    }
    return new RegistryException(code, reference, status, message, null);
  }

  private static String snippet(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
    return s.isBlank() ? null : s;
  }

  private RegistryErrors() {}
}
