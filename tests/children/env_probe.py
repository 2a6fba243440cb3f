#!/usr/bin/env python3
"""Prints what the child sees: PYTHONUNBUFFERED, whether stdout/stderr are terminals, its open fds.

usage: env_probe.py [EXIT_CODE]
"""
import os, sys

def valid(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False

# The directory listing's own fd is closed by the time we check validity.
fds = [fd for fd in sorted(int(x) for x in os.listdir("/proc/self/fd")) if valid(fd)]
print("PYTHONUNBUFFERED=%s" % os.environ.get("PYTHONUNBUFFERED", "<unset>"))
print("ISATTY stdout=%s stderr=%s" % (sys.stdout.isatty(), sys.stderr.isatty()))
print("FDS=%s" % ",".join(map(str, fds)))
sys.stdout.flush()
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
