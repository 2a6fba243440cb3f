#!/usr/bin/env python3
"""A child that leaves a helper behind outside its process group and session.

usage: setsid_helper.py COUNTER MODE
The helper is double-forked (its parent exits at once, so it is nobody's child in the tree), leaves
the session (`setsid`), points its stdio at /dev/null (it holds no pipe of hfwrap's), ignores SIGINT,
SIGTERM and SIGHUP, and sleeps. The child appends a line to COUNTER, then prints
`READY pid=<child> helper=<helper>` and, with MODE `wait`, sleeps; with MODE `exit`, exits 0 at once.
"""
import os, signal, sys, time

counter, mode = sys.argv[1], sys.argv[2]
with open(counter, "a") as f:
    f.write("run %d\n" % os.getpid())
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.write(w, b"%d\n" % os.getpid())
        os.close(w)
        time.sleep(120)
        os._exit(0)
    os._exit(0)
os.close(w)
helper = int(os.read(r, 64).decode().strip())
os.wait()
print("READY pid=%d helper=%d" % (os.getpid(), helper), flush=True)
if mode == "wait":
    time.sleep(120)
