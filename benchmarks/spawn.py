"""Start one command from a small process; write its wall time and peak RSS to a descriptor.

Run as `python3 -I -S spawn.py FD COMMAND...`. Linux counts the memory of the process a command
was started from in the command's peak resident set (a forked child begins with its parent's
pages; a vfork child execs out of its parent's), so a command the benchmark started itself would
never report less than the benchmark's own 25-30 MiB of Python. Started from this bare
interpreter the floor is a few MiB, below any Python program's. Exits with the command's code.
"""

import os
import sys
import time


def main() -> int:
    report, argv = int(sys.argv[1]), sys.argv[2:]
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ)
    _, status, usage = os.wait4(pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    os.write(report, f"{elapsed} {usage.ru_maxrss}".encode())
    os.close(report)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
