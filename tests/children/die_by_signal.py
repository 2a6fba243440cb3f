#!/usr/bin/env python3
"""usage: die_by_signal.py N — kills itself with signal N (default action, no core file)."""
import os, resource, signal, sys
n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
if n not in (signal.SIGKILL, signal.SIGSTOP):
    signal.signal(n, signal.SIG_DFL)
print("about to die by signal %d" % n, flush=True)
os.kill(os.getpid(), n)
signal.pause()
