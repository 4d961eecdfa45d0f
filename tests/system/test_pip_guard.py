"""The pip guard in real bookworm and trixie roots: shims placed by `pyguard guard install` inside it,
pip run as root the way `sudo pip` runs it (PATH starting with /usr/local/sbin).

pyguard runs inside the chroot here (the guard guards the system it runs on): src/ is copied to
/opt/pyguard and the shims run Debian's /usr/bin/python3 -IS with Debian's python3-debian.
There is no syslog daemon in a chroot: the test binds a datagram socket at ROOT/dev/log and
reads what the guard logs; without it the guard appends to /var/log/pyguard.log.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from .realroot import SRC_DIR, RealRoot, default_python

INSTALL_GUARD = ("python3 -c 'import sys; sys.path.insert(0, \"/opt/pyguard/src\"); "
                 "from pyguard.cli import main; sys.exit(main(sys.argv[1:]))' guard {action}")


def put_pyguard(root: RealRoot) -> None:
    dest = root.host("/opt/pyguard/src")
    shutil.copytree(SRC_DIR, dest, ignore=shutil.ignore_patterns("__pycache__"))
    rules = SRC_DIR.parent / "rules"
    shutil.copytree(rules, root.host("/opt/pyguard/rules"))


def snapshot(directory: Path) -> Dict[str, Tuple[int, bytes]]:
    return {p.name: (p.lstat().st_mode, p.read_bytes() if p.is_file() else b"")
            for p in sorted(directory.iterdir())}


def apt_version(root: RealRoot, package: str) -> str:
    """The version apt would install, read from the root's own lists (one list in these roots)."""
    from debian.debian_support import version_compare

    best = ""
    for lists in root.host("/var/lib/apt/lists").glob("*_Packages"):
        for stanza in lists.read_text(errors="replace").split("\n\n"):
            lines = stanza.splitlines()
            if f"Package: {package}" in lines:
                version = next(l[9:] for l in lines if l.startswith("Version: "))
                if not best or version_compare(version, best) > 0:
                    best = version
    assert best, f"{package} is not in the root's apt lists"
    return best


class SyslogSocket:
    """A datagram socket at ROOT/dev/log, standing in for journald/rsyslog."""

    def __init__(self, root: RealRoot) -> None:
        self.path = root.host("/dev/log")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        os.chmod(self.path, 0o666)
        self.sock.settimeout(0.2)

    def messages(self):
        out = []
        while True:
            try:
                out.append(self.sock.recv(65536).decode("utf-8", "replace"))
            except socket.timeout:
                return out

    def close(self) -> None:
        self.sock.close()
        self.path.unlink()


@pytest.mark.parametrize("release", ["bookworm", "trixie"])
def test_guard(real_root, pinned_wheels, release):
    root = real_root(release)
    pinned_wheels(root)
    put_pyguard(root)
    python = default_python(root)  # python3.11
    site = f"/usr/local/lib/{python}/dist-packages"
    sbin_before = snapshot(root.host("/usr/local/sbin"))
    site_before = sorted(os.listdir(root.host(site)))

    out = root.run(INSTALL_GUARD.format(action="install")).stdout
    assert out.splitlines()[:4] == [
        "placed   /usr/local/sbin/pip", "placed   /usr/local/sbin/pip3",
        f"placed   /usr/local/sbin/pip{python[6:]}", "recorded in /var/lib/pyguard/guard.json"]
    assert out.splitlines()[4].startswith("apt index: ")
    status = root.run(INSTALL_GUARD.format(action="status")).stdout
    real_versioned = (f"/usr/bin/pip{python[6:]}" if root.host(f"/usr/bin/pip{python[6:]}").exists()
                      else "none on PATH")  # trixie's python3-pip has pip and pip3 only
    assert status.splitlines()[1:] == [
        "  ok      /usr/local/sbin/pip -> real pip: /usr/bin/pip",
        "  ok      /usr/local/sbin/pip3 -> real pip: /usr/bin/pip3",
        f"  ok      /usr/local/sbin/pip{python[6:]} -> real pip: {real_versioned}"]
    assert root.run("command -v pip").stdout == "/usr/local/sbin/pip\n"

    log = SyslogSocket(root)
    try:
        # read-only calls are pip's own, byte for byte
        for args in ("--version", "list", "list --format=json", "show pip", "freeze", "check"):
            through = root.run(f"pip {args}", check=False)
            direct = root.run(f"/usr/bin/pip {args}", check=False)
            assert (through.returncode, through.stdout, through.stderr) == (
                direct.returncode, direct.stdout, direct.stderr), args
        assert log.messages() == []

        # `sudo pip install requests`: refused, with Debian's package and the version apt has
        requests = apt_version(root, "python3-requests")
        refused = root.run("SUDO_USER=alice pip install requests", check=False)
        assert refused.returncode == 1 and refused.stdout == ""
        assert refused.stderr.startswith(
            "pyguard: refused `pip install requests`:\n"
            f"  It would install into Debian's system Python {python[6:]}.\n")
        assert (f"  requests: Debian's library package python3-requests {requests} "
                f"(already installed: {requests})\n") in refused.stderr
        assert ("  Libraries for a project of your own, in a virtual environment, as your own user:\n"
                "    $ python3 -m venv .venv\n"
                "    $ .venv/bin/pip install requests\n") in refused.stderr
        assert refused.stderr.endswith(
            "On purpose anyway (logged):\n"
            "    $ sudo pip install --pyguard-override requests\n"
            "  pip applies PEP 668 on its own as well: if it then says "
            "externally-managed-environment,\n  add --break-system-packages too.\n")
        [line] = log.messages()
        assert line.startswith("<85>") and " pyguard[" in line
        assert ("refused: user=alice uid=0 command='pip install requests' decision=system "
                f"reason=\"it would install into Debian's system Python {python[6:]}\" "
                "pip=/usr/bin/pip cwd=/") in line

        # a PyPI name Debian spells otherwise, found from the lists (source pyyaml)
        yaml = root.run("pip3 install PyYAML", check=False)
        assert (f"  PyYAML: Debian's library package python3-yaml {apt_version(root, 'python3-yaml')}"
                in yaml.stderr)

        # --break-system-packages and a requirements file: refused, nothing written
        bsp = root.run("pip install --break-system-packages --no-index --find-links /root/wheels "
                       "requests==2.32.3", check=False)
        assert bsp.returncode == 1
        assert ("  --break-system-packages only silences pip's own check (PEP 668); "
                "it does not make this safe.\n") in bsp.stderr
        root.write("/root/req.txt", "six==1.17.0\nattrs==24.2.0\n")
        req = root.run("pip install --no-index --find-links /root/wheels -r /root/req.txt",
                       check=False)
        assert req.returncode == 1
        assert f"  attrs: Debian's library package python3-attr {apt_version(root, 'python3-attr')}" in req.stderr
        assert "    $ .venv/bin/pip install -r /root/req.txt\n" in req.stderr
        user = root.run("pip3 install --user six", check=False)
        assert user.returncode == 1 and "--user as root writes /root/.local/lib/" in user.stderr
        assert sorted(os.listdir(root.host(site))) == site_before
        assert [m.split(" decision=")[1].split(" ")[0] for m in log.messages()] == [
            "system", "system", "system", "user-site"]

        # override on purpose: pip runs (its own PEP 668 check still wants the bypass), logged
        done = root.run("pip install --pyguard-override --break-system-packages --no-index "
                        "--find-links /root/wheels attrs==24.2.0")
        assert "Successfully installed attrs-24.2.0" in done.stdout
        assert "attrs" in os.listdir(root.host(site))
        [line] = log.messages()
        assert line.startswith("<84>")  # authpriv.warning
        assert ("override: user=root uid=0 command='pip install --break-system-packages --no-index "
                "--find-links /root/wheels attrs==24.2.0' decision=system") in line
    finally:
        log.close()

    # no syslog socket (a plain chroot): the guard logs to /var/log/pyguard.log
    root.run("PYGUARD_OVERRIDE=1 pip uninstall -y --break-system-packages attrs")
    assert not root.host(f"{site}/attrs").exists()  # (pip also drops the then-empty dir)
    text = root.host("/var/log/pyguard.log").read_text()
    assert " pyguard[" in text and "override: user=root uid=0 command='pip uninstall -y " in text

    out = root.run(INSTALL_GUARD.format(action="uninstall")).stdout
    assert "removed  /usr/local/sbin/pip\n" in out
    assert snapshot(root.host("/usr/local/sbin")) == sbin_before
    assert not root.host("/var/lib/pyguard/guard.json").exists()


def test_venv_pip_passes_through_the_guard(real_root, pinned_wheels):
    root = real_root("bookworm")
    pinned_wheels(root)
    put_pyguard(root)
    root.run(INSTALL_GUARD.format(action="install"))
    root.run("python3 -m venv /root/venv")
    # the shim first on PATH, the venv's pip next: the guard finds the venv's pip and lets it be
    done = root.run("PATH=/usr/local/sbin:/root/venv/bin:/usr/bin:/bin; "
                    "pip install --no-index --find-links /root/wheels six==1.17.0 attrs==24.2.0")
    assert "Successfully installed attrs-24.2.0 six-1.17.0" in done.stdout
    assert root.run("/root/venv/bin/python -c 'import six; print(six.__version__)'").stdout == "1.17.0\n"
    # pip --python VENV from the system pip: the venv is the target, so it passes too
    done = root.run("pip --python /root/venv/bin/python uninstall -y six")
    assert "Successfully uninstalled six-1.17.0" in done.stdout
    assert not root.host("/var/log/pyguard.log").exists()


def test_a_refusal_reads_what_a_killed_dpkg_left(real_root):
    """dpkg killed while it reinstalled python3-requests left its record in its journal: the
    refusal no longer calls the package installed and offers it again, until dpkg has finished."""
    from .test_dpkg_state import KILL_ONCE

    root = real_root("bookworm")
    put_pyguard(root)
    root.run(INSTALL_GUARD.format(action="install"))
    requests = apt_version(root, "python3-requests")
    offered = f"  requests: Debian's library package python3-requests {requests} "
    prerm = "/var/lib/dpkg/info/python3-requests.prerm"
    shipped = root.host(prerm).read_text() if root.host(prerm).exists() else "#!/bin/sh\n"
    root.write(prerm, KILL_ONCE + shipped.split("\n", 1)[1], mode=0o755)
    killed = root.run("apt-get install --reinstall -y python3-requests", check=False)
    assert killed.returncode == 100, killed.stdout + killed.stderr
    assert root.run("ls /var/lib/dpkg/updates").stdout.split()
    status = root.run("grep -A3 '^Package: python3-requests$' /var/lib/dpkg/status").stdout
    assert "Status: install ok installed" in status

    refused = root.run("SUDO_USER=alice pip install requests", check=False)
    assert refused.returncode == 1
    assert offered + "(not installed)\n" in refused.stderr
    assert ("  Debian's packages (updated with the rest of the system):\n"
            "    $ sudo apt install python3-requests\n") in refused.stderr

    root.run("dpkg --triggers-only -a && apt-get install --reinstall -y python3-requests")
    assert root.run("ls /var/lib/dpkg/updates").stdout.split() == []
    refused = root.run("SUDO_USER=alice pip install requests", check=False)
    assert offered + f"(already installed: {requests})\n" in refused.stderr
    assert "apt install python3-requests" not in refused.stderr


PYPI_NAMES = ("requests", "PyYAML", "Pillow", "numpy", "Django", "Flask", "attrs", "cryptography",
              "black", "httpie", "yt-dlp", "ansible", "Jinja2", "MarkupSafe", "setuptools", "pip",
              "wheel", "six", "urllib3", "idna", "certifi", "chardet", "python-dateutil", "pytz",
              "lxml", "beautifulsoup4", "psycopg2-binary", "SQLAlchemy", "ruamel.yaml",
              "zope.interface", "Twisted", "PyGObject", "dbus-python", "python-apt",
              "scikit-learn", "pandas", "matplotlib", "tox", "left-pad", "python-debian",
              "sh", "jq", "yq", "xy.z", "python-utils", "lib", "dev", "r", "all", "deb")


def test_lists_kept_as_lz4_read_as_the_plain_ones(real_root, monkeypatch, tmp_path):
    """Debian's container images (Acquire::GzipIndexes) keep their lists as lz4, which
    Debian's Python cannot read: the guard and the doctor stream them out of the host's lz4
    reading the list's descriptor, else out of apt-helper, each through a pipe a megabyte
    wide. Both find on the real list what they find on the plain one, either way, and a
    refusal in the root (no lz4 tool there) says so."""
    import subprocess

    from pyguard.facts.aptlists import package_names, read_apt_lists
    from pyguard.guard import aptindex
    from pyguard.rootfs import RootFS

    root = real_root("bookworm")
    top = str(root.path)
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(aptindex, "read_in_part", set())
    arch = aptindex.native_arch(top)

    def found() -> tuple:
        whole = aptindex.build(aptindex.list_files(top), arch)
        whole.pop("parts")
        fs = RootFS(top)
        lists = read_apt_lists(fs, arch)
        return (whole, [repr(aptindex.lookup(aptindex.load_for(top, [name]), name))
                        for name in PYPI_NAMES],
                lists.python3.version, package_names(fs, arch), fs.notes)

    plain = found()
    requests = apt_version(root, "python3-requests")
    [main] = root.host("/var/lib/apt/lists").glob("*_Packages")
    subprocess.run(["lz4", "-q", "--rm", str(main), f"{main}.lz4"], check=True)
    compressed = found()
    with monkeypatch.context() as no_tools:  # no lz4 on PATH, as in Debian's images
        no_tools.setenv("PATH", str(tmp_path / "no-tools-here"))
        by_apt_helper = found()
    for each in (compressed, by_apt_helper):
        assert each[0]["lists"] == [f"{main.name}.lz4"]
        each[0]["lists"] = plain[0]["lists"]
    assert compressed == by_apt_helper == plain and plain[4] == [] and len(plain[3]) > 60000

    put_pyguard(root)
    root.run(INSTALL_GUARD.format(action="install"))
    refused = root.run("SUDO_USER=alice pip install requests", check=False)
    assert refused.returncode == 1
    assert (f"  requests: Debian's library package python3-requests {requests} "
            f"(already installed: {requests})\n") in refused.stderr
    pyguard = INSTALL_GUARD.replace("guard {action}", "upgrade-check --format json --no-record")
    checked = json.loads(root.run(pyguard).stdout)  # the lists read: no note, no upgrade ahead
    assert (checked["status"], checked["notes"], checked["upgrade"]) == ("ok", [], None)


def test_a_first_refusal_offers_what_the_whole_index_offers(real_root, monkeypatch, tmp_path):
    """With no index yet, a refusal reads only the paragraphs of the real lists that can name
    its projects and finds for each what the whole index finds. In the root, a refusal after
    its index was wiped says what it said before, builds nothing itself, and leaves a process
    of its own to build the index, which the next refusal reads."""
    from pyguard.guard import aptindex

    root = real_root("bookworm")
    top = str(root.path)
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(aptindex, "read_in_part", set())
    whole = aptindex.build(aptindex.list_files(top), aptindex.native_arch(top))
    assert {name: aptindex.lookup(whole, name).package for name in
            ("requests", "PyYAML", "Pillow", "attrs", "beautifulsoup4", "python-apt")} == {
        "requests": "python3-requests", "PyYAML": "python3-yaml", "Pillow": "python3-pil",
        "attrs": "python3-attr", "beautifulsoup4": "python3-bs4", "python-apt": "python3-apt"}
    assert [repr(aptindex.lookup(aptindex.load_for(top, [name]), name)) for name in PYPI_NAMES] \
        == [repr(aptindex.lookup(whole, name)) for name in PYPI_NAMES]
    assert list((tmp_path / "cache").glob("apt-python-*")) == []

    put_pyguard(root)
    root.run(INSTALL_GUARD.format(action="install"))
    cache = root.host("/var/cache/pyguard")

    def kept() -> List[str]:
        return sorted(p.name.split("-")[2] for p in cache.glob("apt-python-*.marshal"))

    refuse = "SUDO_USER=alice pip install requests"
    warm = root.run(refuse, check=False)
    requests = apt_version(root, "python3-requests")
    assert (warm.returncode, kept()) == (1, ["index", "lists"])
    assert (f"  requests: Debian's library package python3-requests {requests} "
            f"(already installed: {requests})\n") in warm.stderr
    root.run("rm /var/cache/pyguard/apt-python-index-* /var/cache/pyguard/apt-python-lists-*")
    with open(cache / "apt-python-index.lock", "a") as lock:  # another builder at work
        fcntl.flock(lock, fcntl.LOCK_EX)
        first = root.run(refuse, check=False)
        assert (first.returncode, first.stderr, kept()) == (1, warm.stderr, [])
    second = root.run(refuse, check=False)
    for _ in range(600):
        if kept() == ["index", "lists"]:
            break
        time.sleep(0.2)
    third = root.run(refuse, check=False)
    assert (second.stderr, third.stderr, kept()) == (warm.stderr, warm.stderr, ["index", "lists"])
