package dev.lazypull.recorder;

import java.io.IOException;

/** A recorded command failed (exit status, time limit) or could not run; nothing was tagged. */
public class RecordingException extends IOException {
  public RecordingException(String message) {
    super(message);
  }
}
