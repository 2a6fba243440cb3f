#!/usr/bin/env python3
"""Partial lines must reach the user while the child is still running.

usage: live.py GATE_FILE
Writes `\\rprogress 10%` (no newline) to stdout and `partial-err` (no newline)
to stderr, waits until GATE_FILE exists, then finishes both lines and exits 0.
"""
import os, sys, time

gate = sys.argv[1]
os.write(1, b"\rprogress 10%% pid=%d" % os.getpid())
os.write(2, b"partial-err")
while not os.path.exists(gate):
    time.sleep(0.02)
os.write(1, b"\rprogress 100%\n")
os.write(2, b" done\n")
