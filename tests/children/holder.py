#!/usr/bin/env python3
"""Exits while a grandchild keeps its stdout and stderr open.

usage: holder.py MODE EXIT_CODE
  MODE group:  the grandchild stays in the child's process group, ignores SIGTERM (only SIGKILL ends it)
  MODE setsid: the grandchild moves to a session of its own (out of reach of a group signal)

Prints `READY pid=<pid> gc=<grandchild pid>` on stdout once the grandchild runs, then exits.
"""
import os, signal, sys, time

mode, code = sys.argv[1], int(sys.argv[2])
r, w = os.pipe()
gc = os.fork()
if gc == 0:
    os.close(r)
    if mode == "setsid":
        os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.write(w, b"x")
    os.close(w)
    while True:
        time.sleep(3600)
os.close(w)
os.read(r, 1)  # the grandchild has set itself up
print("READY pid=%d gc=%d" % (os.getpid(), gc), flush=True)
os._exit(code)
