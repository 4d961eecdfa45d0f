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
