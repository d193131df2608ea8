package dev.lazypull.agent.control;

/** A control message that is not well formed; its message names what is wrong. */
public final class ControlProtocolException extends Exception {
  public ControlProtocolException(String message) {
    super(message);
  }
}
