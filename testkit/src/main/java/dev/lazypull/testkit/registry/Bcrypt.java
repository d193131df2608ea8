package dev.lazypull.testkit.registry;

import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** bcrypt for htpasswd files (the registry accepts only bcrypt entries). */
final class Bcrypt {
  static String hash(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 5);
  }

  private Bcrypt() {}
}
