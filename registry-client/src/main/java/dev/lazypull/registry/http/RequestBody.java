package dev.lazypull.registry.http;

import java.nio.file.Path;

/** What a request sends. Every body can be sent again, which is what makes a retry possible. */
public sealed interface RequestBody {
  long length();

  record Empty() implements RequestBody {
    @Override
    public long length() {
      return 0;
    }
  }

  record Bytes(byte[] bytes) implements RequestBody {
    @Override
    public long length() {
      return bytes.length;
    }
  }

  /** {@code length} bytes of {@code file} from {@code offset}, streamed from disk. */
  record FileRange(Path file, long offset, long length) implements RequestBody {}

  RequestBody EMPTY = new Empty();
}
