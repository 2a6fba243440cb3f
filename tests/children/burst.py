#!/usr/bin/env python3
"""Writes SIZE_KB KiB to stdout as fast as it can and exits 0 at once.

usage: burst.py SIZE_KB
Prints `START pid=<pid>` on stderr first and `END len=<bytes> sha256=<hex>` on stderr last.
"""
import hashlib, os, sys

size = int(sys.argv[1]) * 1024
os.write(2, b"START pid=%d\n" % os.getpid())
line = b"%07d burst of output that a slow consumer downstream reads late\n"
h = hashlib.sha256()
total, i = 0, 0
while total < size:
    data = b"".join(line % (i + k) for k in range(100))[: size - total]
    i += 100
    h.update(data)
    total += len(data)
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]
os.write(2, b"END len=%d sha256=%s\n" % (total, h.hexdigest().encode()))
