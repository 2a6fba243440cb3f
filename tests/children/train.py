#!/usr/bin/env python3
"""A training-style script whose download comes at its end (tests/e2e/libraries/).

    python train.py MARKER REPO FILE [SECONDS]

"Trains" for SECONDS (default 2: a sleep), appends one line to MARKER (its side effect, which a
re-run from the top would repeat), then downloads REPO/FILE with hf_hub_download from HF_ENDPOINT.
A failed download fails the script with the library's own exception, as in a user's script.
"""

import os
import sys
import time


def main():
    marker, repo, filename = sys.argv[1], sys.argv[2], sys.argv[3]
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
    print("training for %.1fs" % seconds, flush=True)
    time.sleep(seconds)
    with open(marker, "a") as fh:
        fh.write("epoch done by pid %d\n" % os.getpid())
    print("checkpoint written; fetching %s from %s" % (filename, repo), flush=True)
    from huggingface_hub import hf_hub_download

    path = hf_hub_download(repo, filename)
    print("FILE %s %s" % (filename, path), flush=True)
    print("LOADED %s" % filename, flush=True)


if __name__ == "__main__":
    main()
