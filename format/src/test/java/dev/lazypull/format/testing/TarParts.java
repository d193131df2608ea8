package dev.lazypull.format.testing;

import dev.lazypull.format.tar.TarReader;
import dev.lazypull.format.tar.TarRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** A whole tar archive cut into the parts an encoder receives, by the project's one tar reader. */
public final class TarParts {

  public record Parsed(List<TarPart> parts, byte[] trailer) {}

  public static Parsed parse(byte[] tar) {
    try {
      TarReader reader = new TarReader(new ByteArrayInputStream(tar), "test tar", null);
      List<TarPart> parts = new ArrayList<>();
      for (TarRecord r; (r = reader.next()) != null; ) {
        parts.add(new TarPart(r.entry(), r.rawHeader(), r.data().readAllBytes()));
      }
      return new Parsed(parts, reader.trailer());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private TarParts() {}
}
