#!/usr/bin/env python3
"""A child that uses its terminal, for the real-terminal tests (tests/integration/terminal.rs).

usage: tty_child.py MODE [ARGS...]
  getpass         prompt `Token: ` with echo off (getpass), then print `GOT <len> <reversed>`
  ticks N         print `TICK <i> pid=<pid>` every 0.2 s, N times (a job to stop and continue)
  winch           print `READY <cols>x<rows>`, then `SIZE <cols>x<rows>` on the first SIGWINCH, exit
  input           ask `name?` on stderr, read a line from stdin, print `hello <line>`
  readall         read stdin to EOF, print `LEN <n> <sha256>`
  interrupt FILE  append a line to FILE, print `READY`, then die of the first SIGINT
  second FILE     first run (FILE has no line yet): a 503 from the Hub, exit 1; the re-run asks
                  `name?`, reads a line from stdin, prints `hello <line>`
"""
import hashlib, os, signal, sys, time

mode = sys.argv[1]
if mode == "getpass":
    import getpass
    s = getpass.getpass("Token: ")
    print("GOT", len(s), s[::-1], flush=True)
elif mode == "ticks":
    for i in range(int(sys.argv[2])):
        print("TICK %d pid=%d" % (i, os.getpid()), flush=True)
        time.sleep(0.2)
    print("TICKS-DONE", flush=True)
elif mode == "winch":
    got = []
    signal.signal(signal.SIGWINCH, lambda *a: got.append(os.get_terminal_size()))
    size = os.get_terminal_size()
    print("READY %dx%d" % (size.columns, size.lines), flush=True)
    deadline = time.time() + 60
    while not got and time.time() < deadline:
        time.sleep(0.01)
    if got:
        print("SIZE %dx%d" % (got[0].columns, got[0].lines), flush=True)
elif mode == "input":
    print("name?", file=sys.stderr, flush=True)
    print("hello", input(), flush=True)
elif mode == "readall":
    d = sys.stdin.buffer.read()
    print("LEN", len(d), hashlib.sha256(d).hexdigest(), flush=True)
elif mode == "second":
    runs = open(sys.argv[2]).read().count("\n") if os.path.exists(sys.argv[2]) else 0
    with open(sys.argv[2], "a") as f:
        f.write("run\n")
    if runs == 0:
        print("HTTP Error 503 thrown while requesting GET https://huggingface.co/api/models/x/y", flush=True)
        sys.exit(1)
    print("name?", flush=True)
    print("hello", input(), flush=True)
elif mode == "interrupt":
    with open(sys.argv[2], "a") as f:
        f.write("run\n")
    print("HTTP Error 503 thrown while requesting GET https://huggingface.co/api/models/x/y", flush=True)
    print("READY", flush=True)
    time.sleep(60)
    sys.exit(0)
