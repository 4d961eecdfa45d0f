"""What start-up costs in the interpreter that runs this, pyguard's share of it: run inside a
root by releases.py as `python3 -I -S startup_probe.py SRC`, prints one JSON line.

Two figures that differ between Python versions, if any do: importing every pyguard module
(byte-compiled beforehand, as an install leaves them), and creating a frozen dataclass, of
which pyguard's modules create some 80 at import.
"""

import dataclasses
import importlib
import json
import pkgutil
import sys
import time

CLASSES = 100


def import_all(src: str) -> float:
    sys.path[:0] = [src]
    sys.path.append("/usr/lib/python3/dist-packages")
    start = time.perf_counter()
    import pyguard

    for module in pkgutil.walk_packages(pyguard.__path__, "pyguard."):
        if not module.name.endswith("__main__"):  # that one runs the CLI
            importlib.import_module(module.name)
    return (time.perf_counter() - start) * 1000


def dataclass_each() -> float:
    start = time.perf_counter()
    for i in range(CLASSES):
        fields = {f"field{j}": int for j in range(5)}
        dataclasses.dataclass(frozen=True)(type(f"Fact{i}", (), {"__annotations__": fields}))
    return (time.perf_counter() - start) * 1000 / CLASSES


if __name__ == "__main__":
    print(json.dumps({"python": sys.version.split()[0], "dataclass_ms": dataclass_each(),
                      "imports_ms": import_all(sys.argv[1])}))
