#!/usr/bin/python3
"""Pages of files a workload touched: evict the files' clean pages, run the workload, then report
which pages are resident (mincore). Output lines: path<TAB>offset<TAB>length (merged runs)."""
import ctypes, ctypes.util, mmap, os, subprocess, sys

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_ubyte)]
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
PAGE = mmap.PAGESIZE

def resident(path):
    size = os.path.getsize(path)
    if size == 0:
        return []
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        pages = (size + PAGE - 1) // PAGE
        vec = (ctypes.c_ubyte * pages)()
        libc.mincore(ctypes.c_void_p(addr), size, vec)
        libc.munmap(ctypes.c_void_p(addr), size)
    finally:
        os.close(fd)
    runs, start = [], None
    for i in range(pages):
        if vec[i] & 1:
            if start is None:
                start = i
        elif start is not None:
            runs.append((start * PAGE, (i - start) * PAGE)); start = None
    if start is not None:
        runs.append((start * PAGE, size - start * PAGE))
    return [(o, min(l, size - o)) for o, l in runs]

paths = [p.strip() for p in open(sys.argv[1]) if p.strip()]
files = [p for p in paths if os.path.isfile(p)]
for p in files:
    fd = os.open(p, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)
subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for p in files:
    for o, l in resident(p):
        print(f"{p}\t{o}\t{l}")
