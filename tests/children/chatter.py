#!/usr/bin/env python3
"""A download that only talks (the stall watchdog's chatter rule, tests/integration/watchdog.rs).

    python3 chatter.py PARTIAL EVERY LINE [SECONDS] [QUIET]

Creates the partial file PARTIAL (a download of its own is under way, and never grows), prints
LINE to stderr every EVERY seconds for SECONDS (default: forever), then stays QUIET seconds (default
0) and exits 0.
"""

import os
import sys
import time


def main():
    partial, every, line = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else None
    quiet = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
    os.makedirs(os.path.dirname(partial), exist_ok=True)
    with open(partial, "wb") as fh:
        fh.write(b"x" * 1024)
    start = time.time()
    while seconds is None or time.time() - start < seconds:
        print(line, file=sys.stderr, flush=True)
        time.sleep(every)
    time.sleep(quiet)
    print("done", flush=True)


if __name__ == "__main__":
    main()
