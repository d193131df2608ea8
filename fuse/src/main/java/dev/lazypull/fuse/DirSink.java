package dev.lazypull.fuse;

/**
 * Receives the entries of one directory read. The file system adds entries from the requested
 * offset on, in its own stable order, until {@link #add} answers false (the kernel's buffer is
 * full: the entry was not taken and comes again in the next read at its offset).
 */
public interface DirSink {

  /**
   * @param name       the entry's name ({@code "."} and {@code ".."} included if the file system lists them)
   * @param ino        its inode number
   * @param type       its file type
   * @param nextOffset the offset at which a later read continues after this entry: any value the
   *                   file system can resume from, strictly increasing along the listing, never 0
   * @return false if the entry did not fit and the listing must stop here
   */
  boolean add(String name, long ino, FileType type, long nextOffset);
}
