"""Findings several rule tests expect literally, written once."""

# What extension-abi adds whenever /usr/bin/python3 runs a 3.12 while python3-apt/-gi are 3.11 builds
APT_312 = {
    "rule": "extension-abi",
    "severity": "error",
    "title": "compiled modules of python3-apt cannot be loaded",
    "detail": "No build for Python 3.12, which /usr/bin/python3 runs: apt_inst, apt_pkg. "
              "Every program that imports them there fails with ImportError.",
    "subject": "python3-apt",
    "paths": ["/usr/lib/python3/dist-packages/apt_inst.cpython-311-x86_64-linux-gnu.so",
              "/usr/lib/python3/dist-packages/apt_pkg.cpython-311-x86_64-linux-gnu.so"],
    "repair": [("apt-get install --reinstall -y python3-apt", "restore the package's modules as shipped")],
}
GI_312 = {
    "rule": "extension-abi",
    "severity": "error",
    "title": "compiled modules of python3-gi cannot be loaded",
    "detail": "No build for Python 3.12, which /usr/bin/python3 runs: _gi. "
              "Every program that imports them there fails with ImportError.",
    "subject": "python3-gi",
    "paths": ["/usr/lib/python3/dist-packages/gi/_gi.cpython-311-x86_64-linux-gnu.so"],
    "repair": [("apt-get install --reinstall -y python3-gi", "restore the package's modules as shipped")],
}


KEEP = ('mkdir -p /var/lib/pyguard/aside && tar -C / -czf "$(mktemp --suffix=.tar.gz '
        '/var/lib/pyguard/aside/{label}.XXXXXX)" {path}')
KEPT = "keep a copy of the file (in /var/lib/pyguard/aside)"


def commented_out(path: str, numbers, label: str):
    """The repair of a config line: keep a copy of the file, then comment the lines out."""
    script = ";".join(f"{n}s/^/# disabled by pyguard: /" for n in numbers)
    keep = KEEP.format(label=label, path=path.lstrip("/"))
    lines = f"line{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"
    return [(f"{keep} && sed -i '{script}' {path}", f"{KEPT}, then comment out {lines}")]
