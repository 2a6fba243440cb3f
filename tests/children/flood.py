#!/usr/bin/env python3
"""Pathological output, generated on the fly.

usage: flood.py MODE SIZE_MB GATE_FILE EXIT_CODE
  MODE nonl: SIZE_MB MiB of bytes without a single newline or carriage return
  MODE cr:   SIZE_MB MiB of `\r` progress-bar redraws (ANSI included), no newline

Writes to stdout, then prints `DONE pid=<pid> len=<bytes> sha256=<hex>` on
stderr, waits until GATE_FILE exists (so the test can sample hfwrap's peak
memory while hfwrap is still alive) and exits with EXIT_CODE.
"""
import hashlib, os, sys, time

mode, size_mb, gate, code = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
block_size = 1 << 20

if mode == "nonl":
    base = bytes(b for b in os.urandom(block_size + 4096) if b not in (10, 13))[:block_size]
    def block(i):
        # Each block differs so a dropped or repeated block changes the checksum.
        return (b"%08d" % i) + base[8:]
elif mode == "cr":
    def block(i):
        parts, total, j = [], 0, 0
        while total < block_size:
            pct = j % 101
            s = b"\r\x1b[2K%s %3d%%|%-10s| %d/%d [%02d:%02d<00:00, 11%dMB/s]" % (
                b"model-%05d.safetensors" % i, pct, b"#" * (pct // 10), j, i, j % 60, i % 60, j % 10)
            parts.append(s)
            total += len(s)
            j += 1
        return b"".join(parts)[:block_size]
else:
    sys.exit("unknown mode " + mode)

h = hashlib.sha256()
total = 0
for i in range(size_mb):
    data = memoryview(block(i))
    h.update(data)
    total += len(data)
    while data:
        n = os.write(1, data)
        data = data[n:]

sys.stderr.write("DONE pid=%d len=%d sha256=%s\n" % (os.getpid(), total, h.hexdigest()))
sys.stderr.flush()
while not os.path.exists(gate):
    time.sleep(0.02)
sys.exit(code)
