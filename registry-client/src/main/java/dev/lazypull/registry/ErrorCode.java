package dev.lazypull.registry;

/**
 * What went wrong talking to a store. The first group are the distribution spec's error codes, as
 * the registry sends them; the rest are found by the client. Each carries the hint shown to users.
 */
public enum ErrorCode {
  BLOB_UNKNOWN("the blob is not in this repository: check the digest, or push the image again"),
  BLOB_UPLOAD_INVALID("the registry rejected the upload: retry the push"),
  BLOB_UPLOAD_UNKNOWN("the upload session expired or is unknown to the registry: retry the push"),
  DIGEST_INVALID("the registry computed a different digest for the uploaded content"),
  MANIFEST_BLOB_UNKNOWN("the manifest references a blob the repository lacks: push the blobs first"),
  MANIFEST_INVALID("the registry rejected the manifest as invalid"),
  MANIFEST_UNKNOWN("no manifest by that tag or digest: check the reference (skopeo list-tags lists tags)"),
  NAME_INVALID("the repository name is invalid"),
  NAME_UNKNOWN("the repository does not exist on this registry: check the name"),
  SIZE_INVALID("the content length does not match the declared size"),
  UNAUTHORIZED("authentication required or failed: log in (docker login / credentials in config.json)"),
  DENIED("access denied: the credentials lack pull/push rights on this repository"),
  UNSUPPORTED("the registry does not support this operation"),
  TOOMANYREQUESTS("the registry is rate limiting: wait and retry later"),
  // Found by the client:
  DIGEST_MISMATCH("the content does not match its digest: the registry or a proxy served wrong bytes"),
  RANGE_NOT_SATISFIED("the registry did not answer the Range request with the asked bytes"),
  CONNECTION("cannot talk to the registry: check the address, network and TLS settings"),
  TLS("TLS handshake failed: the certificate is not trusted (add the CA with the CA-bundle option) or names another host"),
  TIMEOUT("the registry stopped answering: check the network, or raise the timeout"),
  SERVER_ERROR("the registry failed (5xx) on every retry: try again later"),
  INVALID_CONTENT("the store returned content lazypull cannot read"),
  UNKNOWN("the registry answered with an unexpected status");

  private final String hint;

  ErrorCode(String hint) {
    this.hint = hint;
  }

  public String hint() {
    return hint;
  }

  /** The code for a spec error code string, {@link #UNKNOWN} for codes this client does not know. */
  public static ErrorCode fromRegistry(String code) {
    if (code == null) {
      return UNKNOWN;
    }
    try {
      return valueOf(code);
    } catch (IllegalArgumentException e) {
      return UNKNOWN;
    }
  }
}
