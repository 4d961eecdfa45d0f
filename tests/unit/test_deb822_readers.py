"""pyguard's own readers of deb822 text read what python-debian's Deb822 reads.

dpkg's status file is read without python-debian where a run reads all of it (which packages
are installed and where their file lists are, the Conffiles of every package, what dpkg left
half done, the pip guard's installed versions): importing python-debian's deb822 and parsing
every paragraph with it made a warm doctor 6-13% slower on a 154-package root, and the parse
grows with the packages. Rule files are read without it too, for start-up. These tests hold the
fast readers equal to Deb822 on real status files (this host's and the cached test roots', when
there are any) and on one with every state and field shape dpkg writes.
"""

import os
import shutil
from pathlib import Path

import pytest
from debian.deb822 import Deb822

from pyguard.facts import Facts
from pyguard.facts.dpkg import INSTALLED_STATES, DpkgDatabase
from pyguard.facts.unfinished import UNFINISHED_STATES, gather_dpkg_progress
from pyguard.facts.verify import read_conffiles
from pyguard.guard.suggest import installed_versions
from pyguard.rootfs import RootFS
from pyguard.rules import read_fields, rule_dirs

SHAPES = """\
Package: python3.11-minimal
Status: install ok installed
Priority: optional
Section: python
Installed-Size: 6226
Maintainer: Matthias Klose <doko@debian.org>
Architecture: amd64
Multi-Arch: allowed
Source: python3.11
Version: 3.11.2-6+deb12u8
Depends: libpython3.11-minimal (= 3.11.2-6+deb12u8), libexpat1 (>= 2.1~beta3), zlib1g (>= 1:1.2.0)
Pre-Depends: libc6 (>= 2.35)
Conffiles:
 /etc/python3.11/sitecustomize.py d6b276695157bde06a56ba1b2bc53670
 /etc/python3.11/old.py 0123456789abcdef0123456789abcdef obsolete
 /etc/python3.11/gone.py 00112233445566778899aabbccddeeff remove-on-upgrade
Description: Minimal subset of the Python language (version 3.11)
 This package contains the interpreter and some essential modules.
 .
 Conffiles: not a field, a line of the description
Homepage: https://www.python.org/

Package: libpython3.11-minimal
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: python3.11
Version: 3.11.2-6+deb12u8
Conffiles:
 /etc/python3.11/sitecustomize.py d6b276695157bde06a56ba1b2bc53670
Description: Minimal subset of the Python language (version 3.11)

Package: libpython3.11-minimal
Status: install ok installed
Architecture: i386
Multi-Arch: same
Source: python3.11
Version: 3.11.2-6+deb12u8
Conffiles:
 /etc/python3.11/sitecustomize.py ffffffffffffffffffffffffffffffff
Description: Minimal subset of the Python language (version 3.11)

Package: python3-six
Status: install reinstreq half-installed
Architecture: all
Version: 1.16.0-4
Description: Python 2 and 3 compatibility library

Package: python3-yaml
Status: install ok half-configured
Architecture: amd64
Version: 6.0-3+b2
Config-Version: 6.0-3+b2

Package: python3-apt
Status: install ok unpacked
Architecture: amd64
Version: 2.6.0

Package: libc-bin
Status: install ok triggers-pending
Architecture: amd64
Multi-Arch: foreign
Version: 2.36-9+deb12u9
Triggers-Pending: ldconfig
Conffiles:
 /etc/ld.so.conf 4317c6de8564b68d628c21efa96b37e4
 /etc/ld.so.conf.d/libc.conf d4d833fd095fb7b90e1bb4a547f16de6

Package: python3-pkg-resources
Status: install ok triggers-awaited
Architecture: all
Version: 66.1.1-1
Triggers-Awaited: python3

Package: pkgconf
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 1.8.1-1
Conffiles:
 /etc/dpkg/dpkg.cfg.d/pkgconf-hook-config newconffile remove-on-upgrade

Package: python3-removed
Status: deinstall ok config-files
Architecture: all
Version: 2.0-1
Conffiles:
 /etc/removed.conf 0123456789abcdef0123456789abcdef

Package: python3-wanted
Status: install ok not-installed
Architecture: amd64

Package: python3-held
Status: hold ok installed
Architecture: all
Version: 1:2.28.1+dfsg-1
Description: held at its version
"""


def status_files():
    """(id, path of a status file, dpkg's native arch for it): the shapes above, this host's
    status file and every cached test root's, when they exist."""
    yield pytest.param((None, "amd64"), id="shapes")
    host = Path("/var/lib/dpkg/status")
    if host.is_file():
        yield pytest.param((host, arch_of(Path("/"))), id="host")
    roots = Path(os.environ.get("PYGUARD_TEST_ROOTS") or "/var/cache/pyguard-test-roots")
    for root in sorted(roots.glob("*/var/lib/dpkg/status")) if roots.is_dir() else ():
        name = root.parents[3].name
        if "." not in name:  # not a root being built
            yield pytest.param((root, arch_of(root.parents[3])), id=name)


def arch_of(root: Path) -> str:
    arch = root / "var/lib/dpkg/arch"
    return arch.read_text().split("\n", 1)[0].strip() if arch.is_file() else "amd64"


@pytest.fixture(params=list(status_files()))
def root(request, tmp_path):
    """A root holding the status file (copied, so pyguard reads nothing else of a real root)."""
    source, arch = request.param
    dpkg = tmp_path / "var/lib/dpkg"
    dpkg.mkdir(parents=True)
    if source is None:
        (dpkg / "status").write_text(SHAPES)
    else:
        shutil.copyfile(source, dpkg / "status")
    (dpkg / "arch").write_text(arch + "\n")
    return tmp_path


def paragraphs(root):
    text = (root / "var/lib/dpkg/status").read_text()
    return list(Deb822.iter_paragraphs(text.split("\n")))


def test_paragraphs_are_split_as_deb822_splits_them(root):
    db = DpkgDatabase(RootFS(str(root)))
    ours = sorted((name, sorted(Deb822(block.split("\n")).items()))
                  for name, blocks in db._blocks.items() for block in blocks)
    assert ours == sorted((p["Package"], sorted(p.items())) for p in paragraphs(root))


def test_states_info_names_and_conffiles_equal_the_full_parse(root):
    db = DpkgDatabase(RootFS(str(root)))
    names = sorted({p["Package"] for p in paragraphs(root)})
    full = {name: db.package(name) for name in names}
    assert {name: (db.is_installed(name), db._states[name][1] if db.is_installed(name) else "",
                   db.conffiles(name)) for name in names} == \
        {name: (p is not None and p.installed, p.info_name if p is not None and p.installed else "",
                p.conffiles if p is not None else ()) for name, p in full.items()}
    # verify compares md5s: it leaves out obsolete conffiles and those dpkg has no md5 for
    # ("newconffile", as an unconfigured or remove-on-upgrade conffile has)
    live = {name: {c.path: c.md5 for c in p.conffiles if not c.obsolete and c.md5 != "newconffile"}
            for name, p in full.items() if p is not None and p.installed}
    assert read_conffiles(db.fs, "/var/lib/dpkg", set(names), db.native_arch) == {
        name: conffiles for name, conffiles in live.items() if conffiles}


def test_each_package_is_read_as_python_debians_deb822_reads_it(root):
    """pyguard reads the status paragraphs itself (it must run where dpkg unpacked it without
    python3-debian): each Package it makes equals the one made of Deb822's reading."""
    from pyguard.facts.dpkg import STATUS_FIELDS, _package, status_fields

    text = (root / "var/lib/dpkg/status").read_text()
    blocks = [b for b in text.split("\n\n") if b.strip()]
    assert [_package(status_fields(b)) for b in blocks] == [
        _package(Deb822(b.split("\n"), fields=STATUS_FIELDS)) for b in blocks]


def test_what_dpkg_left_half_done_is_found_as_the_full_parse_finds_it(root):
    facts = Facts(RootFS(str(root)))
    unfinished = {p["Package"] for p in paragraphs(root)
                  if len(p.get("Status", "").split()) == 3 and (
                      p["Status"].split()[2] in UNFINISHED_STATES or (
                          p["Status"].split()[1] == "reinstreq"
                          and p["Status"].split()[2] != "not-installed"))}
    assert {u.name for u in gather_dpkg_progress(facts).unfinished} == unfinished


def test_the_pip_guards_installed_versions_equal_the_full_parse(root):
    expected = {}
    for p in paragraphs(root):
        if p.get("Status") == "install ok installed":
            expected.setdefault(p["Package"], p.get("Version", ""))
    names = sorted({p["Package"] for p in paragraphs(root)})
    assert installed_versions(names, str(root)) == expected


def test_the_shapes_hold_each_state_and_field_shape():
    """The hand-written status file is worth testing against: every installed state, a
    foreign architecture's instance, obsolete and remove-on-upgrade conffiles, a conffile dpkg
    has no md5 for, a description line that looks like a field."""
    states = {p["Status"].split()[2] for p in Deb822.iter_paragraphs(SHAPES.split("\n"))}
    assert states == INSTALLED_STATES | {"config-files", "not-installed"}


@pytest.mark.parametrize("path", sorted(p for d in rule_dirs() for p in Path(d).glob("*.rule")),
                         ids=lambda p: p.name)
def test_rule_files_are_read_as_deb822_reads_them(path):
    text = path.read_text()
    assert read_fields(text, str(path)) == dict(Deb822(text.split("\n")))
