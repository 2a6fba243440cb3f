#!/usr/bin/env python3
"""Writes SIZE_MB MiB of short lines to stdout, then creates MARKER and exits 0.

usage: head_writer.py SIZE_MB MARKER
If its own stdout breaks, it says so on stderr and exits 9 (so the test can tell).
"""
import os, sys

size_mb, marker = int(sys.argv[1]), sys.argv[2]
line = b"line of output that fills the pipe " + b"." * 28 + b"\n"
block = line * ((1 << 20) // len(line))
try:
    for i in range(size_mb):
        data = memoryview(block)
        while data:
            n = os.write(1, data)
            data = data[n:]
except BrokenPipeError:
    os.write(2, b"CHILD-STDOUT-BROKEN\n")
    os._exit(9)
open(marker, "w").write("done\n")
os.write(2, b"CHILD-DONE\n")
os._exit(0)
