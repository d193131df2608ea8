/**
 * lazypull's own binding to the Linux FUSE kernel protocol: no libfuse, the requests are read from
 * and the replies written to /dev/fuse through FFM.
 *
 * <h2>The SPI</h2>
 * A read-only file system implements {@link dev.lazypull.fuse.FileSystem}: inode-based (the root is
 * {@link dev.lazypull.fuse.FileSystem#ROOT}), answering with records — {@link dev.lazypull.fuse.Entry}
 * and {@link dev.lazypull.fuse.Attr} for lookups and attributes, {@link dev.lazypull.fuse.OpenResult}
 * for opens (keep_cache, direct_io, or a local backing file for kernel passthrough),
 * {@link dev.lazypull.fuse.StatFs} — and with {@link dev.lazypull.fuse.FuseException} carrying an
 * {@link dev.lazypull.fuse.Errno} for errors. Directory listings go into a
 * {@link dev.lazypull.fuse.DirSink} from a stable offset. Reads are asynchronous: the file system
 * answers a {@link dev.lazypull.fuse.ReadReply} from any thread whenever the bytes are there, so a
 * read waiting on the network holds no thread of the binding.
 *
 * <p>{@link dev.lazypull.fuse.FuseMount#mount} mounts it ({@link dev.lazypull.fuse.MountOptions}),
 * {@link dev.lazypull.fuse.FuseMount#close} unmounts; the mount also offers the cache notifications
 * (store, inval inode, inval entry). {@link dev.lazypull.fuse.FuseMount#keepIn} keeps the connection
 * in a {@code keep.DescriptorStore} (systemd's, or the holder process) so that it outlives the
 * process, and {@link dev.lazypull.fuse.FuseMount#resume} takes it over in the next one.
 *
 * <h2>Below the SPI</h2>
 * {@code wire} encodes and decodes the structs of include/uapi/linux/fuse.h; {@code sys} holds the
 * system calls (open/read/writev/ioctl on /dev/fuse, mount/umount2, mountinfo); {@code server} is
 * the request loop, INIT negotiation and dispatch. None of their types appear in the SPI.
 */
package dev.lazypull.fuse;
