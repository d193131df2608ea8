package dev.lazypull.registry;

/** A user name and password (or identity token) for one registry. {@link #toString} hides the secret. */
public record Credentials(String username, String password) {
  public Credentials {
    if (username == null || password == null) {
      throw new IllegalArgumentException("credentials need a username and a password");
    }
  }

  @Override
  public String toString() {
    return "Credentials[" + username + ", ****]";
  }
}
