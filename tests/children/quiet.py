#!/usr/bin/env python3
"""A healthy command that is not a download: silent, writes nothing to any cache, for SECONDS.

usage: quiet.py COUNTER SECONDS
"""
import os, sys, time

with open(sys.argv[1], "a") as f:
    f.write("run %d\n" % os.getpid())
time.sleep(float(sys.argv[2]))
print("finished quietly")
