#!/usr/bin/env python3
"""First run: leaves a grandchild (in a session of its own, so out of reach of
hfwrap's group signals) holding stdout/stderr, prints a 503 signature and exits 1.
Second run: prints the file descriptors it has, exits 0.

usage: retry_fds.py COUNTER
"""
import os, signal, sys, time

counter = sys.argv[1]
with open(counter, "a") as f:
    f.write("run %d\n" % os.getpid())
runs = len(open(counter).read().splitlines())
if runs == 1:
    r, w = os.pipe()
    gc = os.fork()
    if gc == 0:
        os.close(r)
        os.setsid()
        os.write(w, b"x")
        os.close(w)
        while True:
            time.sleep(3600)
    os.close(w)
    os.read(r, 1)
    print("GRANDCHILD gc=%d" % gc, flush=True)
    sys.stderr.write("HTTP Error 503 thrown while requesting GET https://huggingface.co/api/models/x/y\n")
    sys.stderr.flush()
    os._exit(1)

def valid(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False

fds = [fd for fd in sorted(int(x) for x in os.listdir("/proc/self/fd")) if valid(fd)]
print("FDS=%s" % ",".join(map(str, fds)), flush=True)
