#!/usr/bin/env python3
"""Adversarial output on both streams, for the byte-for-byte tee test.

usage: streams.py SIZE_KB SEED EXIT_CODE SUMS_FILE

Writes about SIZE_KB KiB in all, in random-sized unbuffered writes alternating
between stdout and stderr: raw random bytes (NUL, invalid UTF-8), ANSI escape
storms, CR progress redraws, partial lines. Then writes the sha256 and length
of what went to each stream to SUMS_FILE as JSON and exits with EXIT_CODE.
"""
import hashlib, json, os, random, sys

size = int(sys.argv[1]) * 1024
rng = random.Random(int(sys.argv[2]))
code = int(sys.argv[3])
sums_file = sys.argv[4]

def ansi_storm(n):
    parts = []
    while sum(map(len, parts)) < n:
        parts.append(rng.choice([
            b"\x1b[%dm" % rng.randrange(0, 108),
            b"\x1b[38;5;%dm" % rng.randrange(256),
            b"\x1b[2K", b"\x1b[1A", b"\x1b[?25l", b"\x1b[?25h",
            b"\x1b]0;title\x07", b"\x1b]8;;http://x\x1b\\", b"\x1b", b"\x1b[",
            b"colour", b"\xe2\x96\x88", b"\xe2\x96",
        ]))
    return b"".join(parts)

def redraws(n):
    out = []
    total = 0
    i = 0
    while total < n:
        pct = i % 101
        bar = "\u2588" * (pct // 10) + " " * (10 - pct // 10)
        s = ("\r%3d%%|%s| %d/100 [00:%02d<00:10, 1.%dMB/s]" % (pct, bar, pct, i % 60, i % 10)).encode()
        out.append(s)
        total += len(s)
        i += 1
    return b"".join(out)

def garbage(n):
    return rng.randbytes(n)

def partial(n):
    return b"partial line without end " * (n // 25 + 1)

gens = [garbage, ansi_storm, redraws, partial, garbage]
hashes = {1: hashlib.sha256(), 2: hashlib.sha256()}
lens = {1: 0, 2: 0}
written = 0
while written < size:
    fd = rng.choice((1, 2))
    data = rng.choice(gens)(rng.randrange(1, 70000))
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    hashes[fd].update(data)
    lens[fd] += len(data)
    written += len(data)

with open(sums_file, "w") as f:
    json.dump({"stdout": {"sha256": hashes[1].hexdigest(), "len": lens[1]},
               "stderr": {"sha256": hashes[2].hexdigest(), "len": lens[2]}}, f)
sys.exit(code)
