#!/usr/bin/env python3
"""Closes its stdout early and keeps running.

usage: close_stdout.py GATE_FILE EXIT_CODE
Prints a line on stdout, closes stdout, prints `READY pid=<pid>` on stderr,
waits until GATE_FILE exists, prints `AFTER-GATE` on stderr and exits with EXIT_CODE.
"""
import os, sys, time

gate, code = sys.argv[1], int(sys.argv[2])
os.write(1, b"last words on stdout\n")
os.close(1)
os.write(2, b"READY pid=%d\n" % os.getpid())
while not os.path.exists(gate):
    time.sleep(0.02)
os.write(2, b"AFTER-GATE\n")
os._exit(code)
