#!/usr/bin/env python3
"""usage: fail_with.py COUNTER EXIT_CODE MESSAGE
Appends one line to COUNTER, prints MESSAGE on stderr and `attempt output` on stdout, exits with EXIT_CODE."""
import os, sys

counter, code, message = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(counter, "a") as f:
    f.write("run %d\n" % os.getpid())
print("attempt output")
sys.stdout.flush()
sys.stderr.write(message + "\n")
sys.stderr.flush()
sys.exit(code)
