#!/usr/bin/env python3
"""A scripted child for tests/integration/ci.rs.

usage: ci_child.py COUNTER PLAN [ARGS...]

Appends one line to COUNTER per run; run N (0-based: the number of lines COUNTER held before)
follows PLAN[min(N, len(PLAN) - 1)], where PLAN is JSON: a list of runs, each a list of steps
done in order, every write flushed at once:

  ["out", TEXT]       write TEXT to stdout as is (no newline added: partial lines and \\r stay)
  ["err", TEXT]       the same on stderr
  ["env"]             print "ENV NAME=VALUE" for every variable, sorted, on stdout
  ["wait", PATH]      block until PATH exists (gives up after 120 s, printing WAIT-TIMEOUT)
  ["touch", PATH]     create PATH
  ["kill", SIGNAL]    die by signal number SIGNAL
  ["exit", CODE]      exit with CODE (the default at the end of a run is 0)

Extra ARGS are ignored (they let a test put e.g. `--token X` on the command line).
"""
import json
import os
import signal
import sys
import time

counter, plan = sys.argv[1], json.loads(sys.argv[2])
try:
    with open(counter) as f:
        run = sum(1 for _ in f)
except FileNotFoundError:
    run = 0
with open(counter, "a") as f:
    f.write("run %d pid %d\n" % (run, os.getpid()))

streams = {"out": sys.stdout.buffer, "err": sys.stderr.buffer}
for step in plan[min(run, len(plan) - 1)]:
    kind = step[0]
    if kind in streams:
        streams[kind].write(step[1].encode("utf-8", "surrogateescape"))
        streams[kind].flush()
    elif kind == "env":
        for k in sorted(os.environ):
            sys.stdout.write("ENV %s=%s\n" % (k, os.environ[k]))
        sys.stdout.flush()
    elif kind == "wait":
        deadline = time.monotonic() + 120
        while not os.path.exists(step[1]):
            if time.monotonic() > deadline:
                print("WAIT-TIMEOUT", flush=True)
                sys.exit(99)
            time.sleep(0.01)
    elif kind == "touch":
        open(step[1], "a").close()
    elif kind == "kill":
        signal.signal(step[1], signal.SIG_DFL)
        os.kill(os.getpid(), step[1])
        time.sleep(60)
    elif kind == "exit":
        sys.exit(step[1])
    else:
        raise SystemExit("unknown step %r" % (step,))
sys.exit(0)
