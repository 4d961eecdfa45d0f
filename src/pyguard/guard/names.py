"""Project names: PEP 503 normalisation, names from requirement strings, and Debian's exceptions.

Used on the refusal path only (it imports re).
"""

from __future__ import annotations

import os
import re
from typing import Iterator, List, Optional, Tuple

_SEPARATORS = re.compile(r"[-_.]+")
# A requirement starts with its name (PEP 508): letters, digits, and . _ - inside.
_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?=$|[\[<>=!~;@ (,])")
_ARCHIVE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._]*?)-\d[^/]*\.(?:whl|tar\.gz|tar\.bz2|tar\.xz|zip|tgz)$",
                      re.IGNORECASE)

# PyPI projects whose Debian package is not python3-<normalised name> and that the apt lists do
# not tell by themselves (no Source or Provides naming the PyPI project). Checked against the
# lists: a name is suggested only when the package is there.
KNOWN_EXCEPTIONS = {
    "pyyaml": "python3-yaml",
    "beautifulsoup4": "python3-bs4",
    "pillow": "python3-pil",
    "python-dateutil": "python3-dateutil",
    "scikit-learn": "python3-sklearn",
    "opencv-python": "python3-opencv",
    "opencv-python-headless": "python3-opencv",
    "opencv-contrib-python": "python3-opencv",
    "pyjwt": "python3-jwt",
    "attrs": "python3-attr",
    "pyopenssl": "python3-openssl",
    "dnspython": "python3-dnspython",
    "psycopg2-binary": "python3-psycopg2",
    "msgpack": "python3-msgpack",
    "protobuf": "python3-protobuf",
    "pycryptodome": "python3-pycryptodome",
    "pyserial": "python3-serial",
    "pyusb": "python3-usb",
    "pygobject": "python3-gi",
    "dbus-python": "python3-dbus",
    "python-apt": "python3-apt",
    "python-debian": "python3-debian",
    "mysqlclient": "python3-mysqldb",
    "pyzmq": "python3-zmq",
    "pycairo": "python3-cairo",
    "pyqt5": "python3-pyqt5",
    "ruamel-yaml": "python3-ruamel.yaml",
}


def normalize(name: str) -> str:
    """PEP 503: lower case, runs of - _ . become one -."""
    return _SEPARATORS.sub("-", name).lower()


def requirement_name(arg: str) -> Optional[str]:
    """The project name a pip requirement argument asks for, or None for a path or URL.

    "requests", "requests[socks]>=2", "name @ https://..." give the name; a wheel or sdist
    file name gives the name in it; ".", "./src", "git+https://..." give None.
    """
    text = arg.strip()
    if not text:
        return None
    direct = re.match(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*@", text)
    if direct:
        return direct.group(1)  # PEP 508 direct reference: name @ URL
    base = os.path.basename(text.split("#", 1)[0].split("?", 1)[0].rstrip("/"))
    archive = _ARCHIVE.match(base)
    if archive:
        return archive.group(1)
    if "://" in text or text.startswith((".", "/", "~")) or "/" in text.split("@", 1)[0]:
        egg = re.search(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)", text)
        return egg.group(1) if egg else None
    match = _NAME.match(text)
    return match.group(1) if match else None


REQUIREMENTS_LIMIT = 1 << 20


def _read_requirements(path: str) -> str:
    """A regular file's text, 1 MiB at most: `-r /dev/stdin`, a FIFO or /dev/zero would block
    or never end, and the refusal only names what it can."""
    import errno
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file, not read")
        data = os.read(fd, REQUIREMENTS_LIMIT + 1)
    finally:
        os.close(fd)
    if len(data) > REQUIREMENTS_LIMIT:
        raise OSError(errno.EFBIG, f"larger than {REQUIREMENTS_LIMIT >> 20} MiB, not read")
    return data.decode("utf-8", errors="replace")


def requirements_file(path: str, seen: Optional[set] = None) -> Iterator[Tuple[str, Optional[str]]]:
    """(line as written, project name or None) for each requirement in a requirements file.

    Follows nested -r/--requirement files (relative to the including file), skips options,
    comments and blank lines, joins continuation lines. Raises OSError if the file is unreadable.
    """
    seen = set() if seen is None else seen
    real = os.path.realpath(path)
    if real in seen:
        return
    seen.add(real)
    text = _read_requirements(path)
    text = re.sub(r"\\\n", "", text)
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        nested = re.match(r"^(?:-r|--requirement)(?:\s+|=)?(\S+)$", line)
        if nested:
            inner = os.path.join(os.path.dirname(path), nested.group(1))
            yield from requirements_file(inner, seen)
            continue
        editable = re.match(r"^(?:-e|--editable)(?:\s+|=)?(\S+)$", line)
        if editable:
            yield line, requirement_name(editable.group(1))
            continue
        if line.startswith("-"):
            continue  # --index-url, -c constraints, --hash=... and other options
        yield line, requirement_name(line.split(" --", 1)[0])


def unique(names: List[str]) -> List[str]:
    seen = set()
    out = []
    for name in names:
        key = normalize(name)
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out
