package dev.lazypull.registry.http;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a transport verifies servers and proves itself: PEM files of CAs trusted in addition to the
 * JDK's, whether verification is skipped altogether (containerd's {@code skip_verify}: explicit
 * configuration only), and an optional client certificate with its PKCS#8 key (one PEM file may
 * hold both).
 */
public record TlsSettings(List<Path> extraCaFiles, boolean skipVerify, Path clientCertificate, Path clientKey) {
  public static final TlsSettings DEFAULT = new TlsSettings(List.of(), false, null, null);

  public TlsSettings {
    extraCaFiles = List.copyOf(extraCaFiles);
    if ((clientCertificate == null) != (clientKey == null)) {
      throw new IllegalArgumentException("a client certificate needs its key (and a key its certificate)");
    }
  }

  /** The JDK's CAs plus those of {@code pemFile} (none when null). */
  public static TlsSettings withCaBundle(Path pemFile) {
    return pemFile == null ? DEFAULT : new TlsSettings(List.of(pemFile), false, null, null);
  }

  /** These settings with {@code other}'s CAs added, and its client certificate or skip where it sets them. */
  public TlsSettings plus(TlsSettings other) {
    List<Path> cas = new ArrayList<>(extraCaFiles);
    other.extraCaFiles.stream().filter(p -> !cas.contains(p)).forEach(cas::add);
    boolean hasClient = other.clientCertificate != null;
    return new TlsSettings(cas, skipVerify || other.skipVerify,
        hasClient ? other.clientCertificate : clientCertificate, hasClient ? other.clientKey : clientKey);
  }
}
