"""The apt index (PyPI name -> Debian package and version) and the refusal built from it."""

from __future__ import annotations

import gzip
import lzma
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pyguard import cache
from pyguard.guard import aptindex, suggest
from pyguard.guard.decide import decide
from pyguard.guard.target import Target

MAIN = """\
Package: python3-requests
Source: requests
Version: 2.28.1+dfsg-1
Architecture: all
Depends: python3-certifi, python3-urllib3 (>= 1.21.1), python3:any
Section: python

Package: python3-yaml
Source: pyyaml (6.0-3)
Version: 6.0-3+b2
Architecture: amd64
Depends: python3 (<< 3.12), python3:any, libyaml-0-2
Section: python

Package: python3-yaml
Source: pyyaml (6.0-3)
Version: 7.0-1
Architecture: arm64
Depends: python3:any

Package: python3-pil
Source: pillow
Version: 9.4.0-1.1+deb12u1
Architecture: amd64
Provides: python3-pillow
Depends: python3:any

Package: python3-pil.imagetk
Source: pillow
Version: 9.4.0-1.1+deb12u1
Architecture: amd64
Depends: python3-pil, python3-tk

Package: python3-sklearn
Source: scikit-learn
Version: 1.2.1+dfsg-1
Architecture: all
Depends: python3-sklearn-lib, python3:any

Package: python3-sklearn-lib
Source: scikit-learn
Version: 1.2.1+dfsg-1
Architecture: amd64
Depends: python3:any

Package: python3-attr
Source: python-attrs
Version: 22.2.0-1
Architecture: all
Depends: python3:any

Package: black
Version: 23.1.0-1
Architecture: all
Depends: python3-black, python3:any
Section: python

Package: python3-black
Source: black
Version: 23.1.0-1
Architecture: all
Depends: python3:any

Package: python3-sh
Source: python-sh
Version: 1.14.3-1
Architecture: all
Depends: python3:any

Package: python3-shapely
Source: shapely
Version: 2.0.1-1
Architecture: amd64
Depends: python3:any

Package: python3-pyjq
Source: jq
Version: 2.6.0-1
Architecture: amd64
Depends: python3:any

Package: python3-zedzed
Source: python-zz
Version: 1.0-1
Architecture: all
Depends: python3:any

Package: yq
Version: 3.1.0-3
Architecture: all
Depends: python3-yaml, python3:any

Package: python3-xy.z
Source: xy.z
Version: 0.1-1
Architecture: all
Depends: python3:any

Package: libyaml-0-2
Source: libyaml
Version: 0.2.5-1
Architecture: amd64
Depends: libc6 (>= 2.14)

Package: libc6
Version: 2.36-9
Architecture: amd64
"""

SECURITY = """\
Package: python3-requests
Source: requests
Version: 2.28.1+dfsg-1+deb12u1
Architecture: all
Depends: python3:any
"""

STATUS = """\
Package: python3-yaml
Status: install ok installed
Architecture: amd64
Version: 6.0-3+b2

Package: python3-pil
Status: deinstall ok config-files
Architecture: amd64
Version: 9.4.0-1.1
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    lists = root / "var/lib/apt/lists"
    lists.mkdir(parents=True)
    (lists / "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.gz").write_bytes(
        gzip.compress(MAIN.encode()))
    (lists / "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.xz"
     ).write_bytes(lzma.compress(SECURITY.encode()))
    (lists / "deb.debian.org_debian_dists_bookworm_InRelease").write_text("")
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/arch").write_text("amd64\n")
    (root / "var/lib/dpkg/status").write_text(STATUS)
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/bin/python3.11").write_text("")
    (root / "usr/bin/python3").symlink_to("python3.11")
    return root


@pytest.mark.parametrize("project,package,version,app", [
    ("requests", "python3-requests", "2.28.1+dfsg-1+deb12u1", ""),  # the higher of two lists
    ("PyYAML", "python3-yaml", "6.0-3+b2", ""),  # source pyyaml; arm64's 7.0 is not ours
    ("Pillow", "python3-pil", "9.4.0-1.1+deb12u1", ""),  # Provides python3-pillow
    ("scikit_learn", "python3-sklearn", "1.2.1+dfsg-1", ""),  # source scikit-learn, main binary
    ("attrs", "python3-attr", "22.2.0-1", ""),  # source python-attrs
    ("black", "python3-black", "23.1.0-1", "black"),  # an application as well
    ("sh", "python3-sh", "1.14.3-1", ""),  # source python-sh
    ("jq", "python3-pyjq", "2.6.0-1", ""),  # source jq
    ("yq", "", "", "yq"),  # an application alone
    ("zz", "python3-zedzed", "1.0-1", ""),  # source python-zz
    ("xy.z", "python3-xy.z", "0.1-1", ""),
    ("left-pad", "", "", ""),
])
def test_lookup(root, project, package, version, app):
    index = aptindex.build(aptindex.list_files(str(root)), "amd64")
    offer = aptindex.lookup(index, project)
    assert (offer.package, offer.version, offer.app) == (package, version, app)


def test_a_garbage_version_in_a_list_is_older_than_any(root):
    """A list with Version: x:1.0 made the guard's index build raise ValueError."""
    lists = root / "var/lib/apt/lists"
    (lists / "mirror.example_dists_odd_main_binary-amd64_Packages").write_text(
        "Package: python3-requests\nSource: requests\nVersion: x:1.0\nArchitecture: all\n"
        "Depends: python3:any\n\nPackage: python3-oddity\nVersion: !!!\nArchitecture: all\n"
        "Depends: python3:any\n")
    index = aptindex.build(aptindex.list_files(str(root)), "amd64")
    offers = [aptindex.lookup(index, p) for p in ("requests", "oddity")]
    assert [(o.package, o.version) for o in offers] == [
        ("python3-requests", "2.28.1+dfsg-1+deb12u1"), ("python3-oddity", "!!!")]


def test_index_is_cached_and_rebuilt_when_the_lists_change(root, monkeypatch):
    built = []
    real_build = aptindex.build
    monkeypatch.setattr(aptindex, "build", lambda *a: built.append(1) or real_build(*a))
    first = aptindex.load(str(root))
    assert aptindex.load(str(root)) == first and built == [1]
    lists = root / "var/lib/apt/lists"
    security = next(lists.glob("*security*"))
    security.write_bytes(lzma.compress(SECURITY.replace("deb12u1", "deb12u2").encode()))
    os.utime(security, ns=(1, 2))
    assert aptindex.lookup(aptindex.load(str(root)), "requests").version == "2.28.1+dfsg-1+deb12u2"
    assert built == [1, 1]


def test_after_apt_update_only_the_lists_that_changed_are_read_again(root, monkeypatch, tmp_path):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    read = []
    real = aptindex.stream_list
    monkeypatch.setattr(aptindex, "stream_list",
                        lambda path: read.append(os.path.basename(path)) or real(path))
    lists = root / "var/lib/apt/lists"
    main, security = sorted(p.name for p in lists.glob("*_Packages*"))[::-1]
    first = aptindex.load(str(root))
    assert sorted(read) == sorted([main, security])
    (lists / security).write_bytes(lzma.compress(SECURITY.replace("deb12u1", "deb12u2").encode()))
    read.clear()
    index = aptindex.load(str(root))
    assert read == [security]
    assert aptindex.lookup(index, "requests").version == "2.28.1+dfsg-1+deb12u2"
    whole = aptindex.build(aptindex.list_files(str(root)), "amd64")
    whole.pop("parts")
    assert index == whole != first


def test_lz4_lists_as_this_hosts_apt_keeps_them(root):
    assert shutil.which("lz4"), "lz4 (to write one) is one of the Makefile's DEBIAN_TEST_PACKAGES"
    lists = root / "var/lib/apt/lists"
    plain = lists / "x_Packages"
    plain.write_text(SECURITY.replace("deb12u1", "deb12u9"))
    subprocess.run(["lz4", "-q", "--rm", str(plain), str(plain) + ".lz4"], check=True)
    index = aptindex.build(aptindex.list_files(str(root)), "amd64")
    assert aptindex.lookup(index, "requests").version == "2.28.1+dfsg-1+deb12u9"


def test_refusal_text(root, monkeypatch, tmp_path):
    monkeypatch.setattr(suggest, "ROOT", str(root))
    monkeypatch.setenv("PATH", str(tmp_path))  # no pipx
    req = tmp_path / "req.txt"
    req.write_text("PyYAML\n")
    argv = ["install", "--break-system-packages", "requests", "black", "-r", str(req), "./src"]
    target = Target("/usr/bin/python3", venv=False, system=True, version="3.11")
    d = decide(argv, {}, 0, lambda p: target)
    text = suggest.refusal(d, "pip", argv, {"SUDO_USER": "alice"})
    assert text == f"""\
pyguard: refused `pip install --break-system-packages requests black -r {req} ./src`:
  It would install into Debian's system Python 3.11.
  pip would put it in /usr/local/lib/python3.11/dist-packages, which comes before Debian's
  /usr/lib/python3/dist-packages on sys.path: every Python program run as root,
  apt's own tools included, would import pip's copy instead of the version Debian
  built and tested with the rest of the system.
  --break-system-packages only silences pip's own check (PEP 668); it does not make this safe.

Instead:
  requests: Debian's library package python3-requests 2.28.1+dfsg-1+deb12u1 (not installed)
  black: Debian's library package python3-black 23.1.0-1 (not installed)
  black: Debian's application package black 23.1.0-1 (not installed)
  PyYAML: Debian's library package python3-yaml 6.0-3+b2 (already installed: 6.0-3+b2)
  ./src: not a name from PyPI; install it in a virtual environment

  Debian's packages (updated with the rest of the system):
    $ sudo apt install python3-requests black

  A command-line application, isolated from the system, as your own user:
    $ sudo apt install pipx
    $ pipx install black

  Libraries for a project of your own, in a virtual environment, as your own user:
    $ sudo apt install python3-venv
    $ python3 -m venv .venv
    $ .venv/bin/pip install -r {req} requests ./src

On purpose anyway (logged):
    $ sudo pip install --pyguard-override --break-system-packages requests black -r {req} ./src
"""


def test_refusal_without_lists(root, monkeypatch, tmp_path):
    shutil.rmtree(root / "var/lib/apt/lists")
    (root / "usr/lib/python3.11/ensurepip").mkdir(parents=True)
    (root / "usr/lib/python3.11/ensurepip/__init__.py").write_text("")
    monkeypatch.setattr(suggest, "ROOT", str(root))
    target = Target("/usr/bin/python3", venv=False, system=True, version="3.11")
    d = decide(["install", "--user", "requests"], {}, 0, lambda p: target)
    text = suggest.refusal(d, "pip", ["install", "--user", "requests"], {})
    assert text == """\
pyguard: refused `pip install --user requests`:
  --user as root writes /root/.local/lib/python3.11/site-packages, which every
  Python program run as root imports before Debian's own packages.

Instead:
  (apt has no package lists here: run `apt update` to see Debian's packages)
  requests: no Debian package found in the apt lists

  Libraries for a project of your own, in a virtual environment, as your own user:
    $ python3 -m venv .venv
    $ .venv/bin/pip install requests

On purpose anyway (logged):
    $ pip install --pyguard-override --user requests
"""


def test_refusal_points_at_the_activated_venv(root, monkeypatch):
    monkeypatch.setattr(suggest, "ROOT", str(root))
    target = Target("/usr/bin/python3", venv=False, system=True, version="3.11")
    d = decide(["install", "requests"], {}, 0, lambda p: target)
    text = suggest.refusal(d, "pip", ["install", "requests"],
                           {"SUDO_USER": "alice", "VIRTUAL_ENV": "/home/alice/proj/.venv"})
    assert ("  VIRTUAL_ENV is /home/alice/proj/.venv, but this pip is the system's (sudo resets PATH): "
            "use that\n  environment's own pip, as your own user: /home/alice/proj/.venv/bin/pip ...\n"
            ) in text


MAIN_LIST = "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.gz"
SECURITY_LIST = ("deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_"
                 "Packages.xz")


@pytest.fixture(autouse=True)
def _nothing_read_in_part(monkeypatch):
    """What one test read in part must not send another's refusal to build in the background."""
    monkeypatch.setattr(aptindex, "read_in_part", set())


def whole_index(root: Path) -> dict:
    index = aptindex.build(aptindex.list_files(str(root)), "amd64")
    index.pop("parts")
    return index


def lists_read(monkeypatch) -> list:
    read: list = []
    real = aptindex.stream_list
    monkeypatch.setattr(aptindex, "stream_list",
                        lambda path: read.append(os.path.basename(path)) or real(path))
    return read


def kept(tmp_path: Path) -> list:
    return sorted(p.name.split("-")[2] for p in (tmp_path / "cache").glob("apt-python-*.marshal"))


def test_a_first_refusal_reads_only_the_paragraphs_that_can_name_its_projects(
        root, monkeypatch, tmp_path):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(aptindex, "INCREMENTAL_LIMIT", 0)  # the fixture's lists are tiny
    assert aptindex.load_for(str(root), ["requests"]) == {
        "packages": {"python3-requests": ("2.28.1+dfsg-1+deb12u1", "requests", "", False)},
        "names": {"requests": "python3-requests"},
        "apps": {},
        "lists": [SECURITY_LIST, MAIN_LIST],
    }
    assert kept(tmp_path) == []  # a partial index is nobody's next index


PROJECTS = ["requests", "PyYAML", "pyyaml", "Pillow", "pillow", "scikit_learn", "Scikit-Learn",
            "attrs", "python-attrs", "black", "left-pad", "python3-yaml", "pil", "sklearn-lib",
            "sh", "SH", "python-sh", "jq", "yq", "zz", "xy.z", "XY_Z", "py", "x", "lib", "libyaml"]


@pytest.mark.parametrize("project", PROJECTS)
def test_what_a_first_refusal_reads_offers_what_the_whole_index_offers(
        root, monkeypatch, tmp_path, project):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(aptindex, "INCREMENTAL_LIMIT", 0)
    whole = aptindex.lookup(whole_index(root), project)
    assert repr(aptindex.lookup(aptindex.load_for(str(root), [project]), project)) == repr(whole)
    together = aptindex.load_for(str(root), PROJECTS)
    assert repr(aptindex.lookup(together, project)) == repr(whole)


def test_a_refusal_after_a_small_change_brings_the_whole_index_up_to_date(
        root, monkeypatch, tmp_path):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    aptindex.load(str(root))
    security = root / "var/lib/apt/lists" / SECURITY_LIST
    security.write_bytes(lzma.compress(SECURITY.replace("deb12u1", "deb12u2").encode()))
    read = lists_read(monkeypatch)
    index = aptindex.load_for(str(root), ["requests"])
    assert read == [SECURITY_LIST]
    assert index == whole_index(root)
    read.clear()
    assert aptindex.load_for(str(root), ["PyYAML"]) == index and read == []


def test_a_short_name_is_looked_for_where_debian_names_stand(root, monkeypatch, tmp_path):
    """`sh` is in most paragraphs; python3-sh, python-sh, "Package: sh" and "Source: sh" are
    in the few that can offer it."""
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(aptindex, "INCREMENTAL_LIMIT", 0)
    assert aptindex.needles(["sh", "xy.z"]) == [
        b"Package: sh", b"Package: xy", b"Source: sh", b"Source: xy", b"python-sh", b"python-xy",
        b"python3-sh", b"python3-xy"]
    assert aptindex.load_for(str(root), ["sh"]) == {
        "packages": {"python3-sh": ("1.14.3-1", "python-sh", "", False),
                     "python3-shapely": ("2.0.1-1", "shapely", "", False)},
        "names": {"sh": "python3-sh", "python-sh": "python3-sh", "shapely": "python3-shapely"},
        "apps": {},
        "lists": [SECURITY_LIST, MAIN_LIST],
    }
    assert kept(tmp_path) == []


def test_a_name_only_another_package_depends_on_reads_no_paragraph(root, monkeypatch, tmp_path):
    """Only the lines that name a paragraph's package (Package, Source, Provides) pick it:
    urllib3 in python3-requests' Depends does not."""
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(aptindex, "INCREMENTAL_LIMIT", 0)
    assert aptindex.load_for(str(root), ["urllib3"]) == {
        "packages": {}, "names": {}, "apps": {}, "lists": [SECURITY_LIST, MAIN_LIST]}


def test_a_partial_read_parses_only_the_paragraphs_that_name_python3(root, monkeypatch, tmp_path):
    """`lib` stands in the name of most of Debian's paragraphs (27,817 of bookworm's), but
    a paragraph without python3 is neither a python3-* package nor an application: parsing
    those made a refusal of `lib` slower than reading the whole index."""
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(aptindex, "INCREMENTAL_LIMIT", 0)
    parsed = []

    class Recorded:
        @staticmethod
        def findall(stanza: bytes) -> list:
            parsed.append(stanza.split(b"\n", 1)[0].decode())
            return aptindex_field.findall(stanza)

    aptindex_field = aptindex.FIELD
    monkeypatch.setattr(aptindex, "FIELD", Recorded)
    assert aptindex.load_for(str(root), ["lib", "libyaml"]) == {
        "packages": {"python3-sklearn-lib": ("1.2.1+dfsg-1", "scikit-learn", "", False)},
        "names": {"sklearn-lib": "python3-sklearn-lib", "scikit-learn": "python3-sklearn-lib"},
        "apps": {},
        "lists": [SECURITY_LIST, MAIN_LIST],
    }
    assert parsed == ["Package: python3-sklearn-lib"]


@pytest.mark.parametrize("short", ["_sh", "py", "P-Y", "python-sh", "python3-sh"])
def test_a_name_that_would_pick_out_every_python_package_reads_the_whole_index(
        root, monkeypatch, tmp_path, short):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(aptindex, "INCREMENTAL_LIMIT", 0)
    assert aptindex.needles([short]) is None
    assert aptindex.load_for(str(root), ["requests", short]) == whole_index(root)
    assert kept(tmp_path) == ["index", "lists"]


def test_a_refusal_of_paths_alone_reads_no_list(root, monkeypatch, tmp_path):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    read = lists_read(monkeypatch)
    assert aptindex.load_for(str(root), []) == {
        "packages": {}, "names": {}, "apps": {}, "lists": [SECURITY_LIST, MAIN_LIST]}
    assert read == []


def test_needles():
    assert aptindex.needles(["zope.interface", "python-dateutil", "beautifulsoup4"]) == [
        b"beautifulsoup4", b"dateutil", b"interface", b"python3-bs4", b"python3-dateutil"]
    assert aptindex.needles(["python-debian", "python3-yaml"]) == [b"debian", b"python3-debian", b"yaml"]


def test_after_a_refusal_that_read_in_part_a_detached_process_builds_the_whole_index(
        root, monkeypatch, tmp_path):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(aptindex, "INCREMENTAL_LIMIT", 0)
    assert aptindex.complete_later() is None  # nothing read in part: no process
    aptindex.load_for(str(root), ["requests"])
    assert aptindex.read_in_part == {str(root)}
    builder = aptindex.complete_later()
    assert builder is not None and aptindex.read_in_part == set()
    assert os.waitstatus_to_exitcode(os.waitpid(builder, 0)[1]) == 0
    read = lists_read(monkeypatch)
    index = aptindex.load_for(str(root), ["PyYAML"])
    assert read == [] and aptindex.read_in_part == set()
    assert index == whole_index(root)


def test_one_builder_at_a_time(root, monkeypatch, tmp_path):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(aptindex, "INCREMENTAL_LIMIT", 0)
    held = cache.lock(aptindex.CACHE_NAME)  # another builder at work
    assert held is not None and cache.lock(aptindex.CACHE_NAME) is None
    aptindex.load_for(str(root), ["requests"])
    builder = aptindex.complete_later()
    assert os.waitstatus_to_exitcode(os.waitpid(builder, 0)[1]) == 0
    os.close(held)
    assert kept(tmp_path) == []
