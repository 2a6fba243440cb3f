#!/usr/bin/env python3
"""A child with a process tree that resists being stopped.

usage: stubborn.py COUNTER MODE GRANDCHILDREN [PARTIAL_FILE]
  MODE stubborn: the child itself ignores SIGINT and SIGTERM (it logs each one on stderr and
                 appends it to COUNTER.signals)
  MODE meek:     the child dies on the first SIGINT or SIGTERM (default action)
  GRANDCHILDREN both:     one grandchild keeps the pipes, one is detached (see below)
  GRANDCHILDREN detached: only the detached one

Either way it appends one line to COUNTER (so a test can count runs), prints a
transient failure signature (a 503 from the Hub, which hfwrap would normally
retry), forks two grandchildren that ignore SIGINT and SIGTERM -- one keeps
the child's stdout/stderr, one has them pointed at /dev/null (so it holds no
pipe of hfwrap's) -- then prints `READY pid=<pid> gc=<a>,<b>` on stdout and
sleeps forever. Grandchildren stay in the child's process group.
With PARTIAL_FILE it first writes 1000 bytes there and never more: a download that stalled.
Every process of the tree appends `child <pid>` / `gc <pid>` to COUNTER.pids when it starts.
"""
import os, signal, sys, time

counter, mode, which = sys.argv[1], sys.argv[2], sys.argv[3]

def note_pid(kind):
    # Every process of the tree records itself in COUNTER.pids as its first act, so a test can check
    # them all even if hfwrap stops the child before it prints READY.
    fd = os.open(counter + ".pids", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.write(fd, b"%s %d\n" % (kind, os.getpid()))
    os.close(fd)

note_pid(b"child")
if len(sys.argv) > 4:
    os.makedirs(os.path.dirname(sys.argv[4]), exist_ok=True)
    with open(sys.argv[4], "wb") as f:
        f.write(b"\0" * 1000)
with open(counter, "a") as f:
    f.write("run %d\n" % os.getpid())

def grandchild(detached, ready_w):
    note_pid(b"gc")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if detached:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
    os.write(ready_w, b"x")
    os.close(ready_w)
    while True:
        time.sleep(3600)

gcs = []
for detached in ((False, True) if which == "both" else (True,)):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        grandchild(detached, w)
    os.close(w)
    os.read(r, 1)
    os.close(r)
    gcs.append(pid)

def log_signal(sig, frame):
    # Also to COUNTER.signals: a test can see it at once, however slowly hfwrap passes stderr on.
    os.write(signal_log, b"child got signal %d\n" % sig)
    os.write(2, b"child got signal %d\n" % sig)

signal_log = os.open(counter + ".signals", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

if mode == "stubborn":
    signal.signal(signal.SIGINT, log_signal)
    signal.signal(signal.SIGTERM, log_signal)
else:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

sys.stderr.write("HTTP Error 503 thrown while requesting GET https://huggingface.co/api/models/x/y\n")
sys.stderr.flush()
print("READY pid=%d gc=%s" % (os.getpid(), ",".join(map(str, gcs))), flush=True)
while True:
    time.sleep(3600)
