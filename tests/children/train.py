#!/usr/bin/env python3
"""A training-style script whose download comes at its end (tests/e2e/libraries/).

    python train.py MARKER REPO FILE [SECONDS]

"Trains" for SECONDS (default 2: a sleep), appends one line to MARKER (its side effect, which a
re-run from the top would repeat), then downloads REPO/FILE with hf_hub_download from HF_ENDPOINT.
A failed download fails the script with the library's own exception, as in a user's script.
With TRAIN_HUNG_WORKER=1 a non-daemon worker thread first opens REPO/resolve/main/worker.bin and
waits on it: when the main thread dies of its exception, Python waits for that worker forever.
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

    if os.environ.get("TRAIN_HUNG_WORKER") == "1":
        import threading
        import urllib.request

        url = "%s/%s/resolve/main/worker.bin" % (os.environ["HF_ENDPOINT"].rstrip("/"), repo)
        threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=3600).read()).start()
        time.sleep(0.5)

    path = hf_hub_download(repo, filename)
    print("FILE %s %s" % (filename, path), flush=True)
    print("LOADED %s" % filename, flush=True)


if __name__ == "__main__":
    main()
