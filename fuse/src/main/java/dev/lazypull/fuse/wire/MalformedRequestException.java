package dev.lazypull.fuse.wire;

/** A request from the kernel that does not decode: answered with EIO, never fatal to the loop. */
public final class MalformedRequestException extends RuntimeException {
  public MalformedRequestException(String message) {
    super(message);
  }
}
