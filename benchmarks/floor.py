#!/usr/bin/python3 -I -S
"""The floor of packaged-file verification in Python: the md5 of every file in a list, compared
with the md5 dpkg recorded, and nothing else (no dpkg database read, no import but hashlib).

Run as `python3 -I -S floor.py LIST [THREADS]`, LIST holding "md5  path" lines. It hashes as
pyguard does (large files to worker threads as they come, then every thread on the small
ones), so what a whole pyguard run takes beyond this is pyguard's, and what this takes is
out of reach of any Python verifier on this machine. Prints how many files differ.
"""

import hashlib
import os
import sys
import threading
from collections import deque

LARGE = 64 << 10


def md5_of(path: str) -> str:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        hasher = hashlib.md5()
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return hasher.hexdigest()
            hasher.update(chunk)
    finally:
        os.close(fd)


def main() -> int:
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else min(8, os.cpu_count() or 1)
    with open(sys.argv[1], encoding="utf-8", errors="surrogateescape") as listing:
        entries = [line.rstrip("\n").split("  ", 1) for line in listing if "  " in line]
    large, small = deque(), deque()
    for digest, path in entries:
        try:
            size = os.lstat(path).st_size
        except OSError:
            continue
        (large if size >= LARGE else small).append((digest, path))
    differ = []

    def drain(work: deque) -> None:
        while True:
            try:
                digest, path = work.popleft()
            except IndexError:
                return
            try:
                if md5_of(path) != digest:
                    differ.append(path)
            except OSError:
                differ.append(path)

    def worker() -> None:
        drain(large)
        drain(small)

    workers = [threading.Thread(target=worker) for _ in range(threads - 1)]
    for thread in workers:
        thread.start()
    drain(small if workers else large)
    drain(large)
    drain(small)
    for thread in workers:
        thread.join()
    print(f"{len(entries)} files, {len(differ)} differ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
