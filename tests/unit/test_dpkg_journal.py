"""dpkg's journal (/var/lib/dpkg/updates): its records count over the status file, in order, as
dpkg itself reads its database after it was killed."""

from __future__ import annotations

from fakeroot import FakeRoot
from pyguard.facts.dpkg import DpkgDatabase
from pyguard.rootfs import RootFS

SIX = "python3-six"


def record(root: FakeRoot, package: str, status: str) -> str:
    """The package's status paragraph with another Status line, as dpkg writes a record."""
    text = root.host("/var/lib/dpkg/status").read_text()
    block = next(b for b in text.split("\n\n") if b.startswith(f"Package: {package}\n"))
    lines = [f"Status: {status}" if line.startswith("Status:") else line
             for line in block.split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def dpkg(root: FakeRoot) -> DpkgDatabase:
    return DpkgDatabase(RootFS(str(root)))


def states(root: FakeRoot, *packages: str):
    database = dpkg(root)
    return [(p, database.package(p).state if database.package(p) else None,
             database.is_installed(p)) for p in packages]


def test_a_record_of_a_killed_dpkg_overrides_the_status_file(fake_root):
    fake_root.write("/var/lib/dpkg/updates/0000", record(fake_root, SIX, "install ok half-configured"))
    assert states(fake_root, SIX, "python3-requests") == [
        (SIX, "half-configured", True), ("python3-requests", "installed", True)]


def test_records_are_read_in_name_order_the_last_one_wins(fake_root):
    fake_root.write("/var/lib/dpkg/updates/0001", record(fake_root, SIX, "install ok installed"))
    fake_root.write("/var/lib/dpkg/updates/0000", record(fake_root, SIX, "install reinstreq half-installed"))
    fake_root.write("/var/lib/dpkg/updates/0002",
                    record(fake_root, "python3-requests", "deinstall ok config-files"))
    assert states(fake_root, SIX, "python3-requests") == [
        (SIX, "installed", True), ("python3-requests", "config-files", False)]


def test_a_record_being_written_and_other_names_are_not_records(fake_root):
    half = record(fake_root, SIX, "install reinstreq half-installed")
    for name in ("tmp.i", "0000.dpkg-old", "notes"):
        fake_root.write(f"/var/lib/dpkg/updates/{name}", half)
    database = dpkg(fake_root)
    assert (database.package(SIX).state, database.fs.notes) == ("installed", [])


def test_a_package_only_the_journal_knows(fake_root):
    fake_root.install("python3-idna", {"/usr/lib/python3/dist-packages/idna/__init__.py": ""})
    idna = record(fake_root, "python3-idna", "install ok unpacked")
    fake_root.purge("python3-idna")  # the status file never heard of it
    fake_root.write("/var/lib/dpkg/updates/0000", idna)
    assert states(fake_root, "python3-idna") == [("python3-idna", "unpacked", True)]


def test_names_of_different_lengths_are_noted_as_dpkg_refuses_them(fake_root):
    fake_root.write("/var/lib/dpkg/updates/0000", record(fake_root, SIX, "install ok half-configured"))
    fake_root.write("/var/lib/dpkg/updates/00001", record(fake_root, SIX, "install ok installed"))
    database = dpkg(fake_root)
    assert database.package(SIX).state == "installed"
    assert [(n.code, n.path) for n in database.fs.notes] == [("corrupt", "/var/lib/dpkg/updates")]


def test_the_journal_is_part_of_the_database_key(fake_root):
    before = dpkg(fake_root).database_key()
    fake_root.write("/var/lib/dpkg/updates/0000", record(fake_root, SIX, "install ok half-configured"))
    assert dpkg(fake_root).database_key() != before


def test_the_pip_guard_reads_installed_versions_with_the_journal(fake_root):
    """A refusal says "already installed" of what dpkg's database calls installed, journal
    included: not of a package a killed dpkg left half-installed, and of one only the
    journal knows."""
    from pyguard.guard.suggest import installed_versions

    names = [SIX, "python3-idna", "python3-requests"]
    fake_root.install("python3-idna", {"/usr/lib/python3/dist-packages/idna/__init__.py": ""})
    idna = record(fake_root, "python3-idna", "install ok installed")
    fake_root.purge("python3-idna")
    before = installed_versions(names, str(fake_root))
    fake_root.write("/var/lib/dpkg/updates/0000", record(fake_root, SIX, "install reinstreq half-installed"))
    fake_root.write("/var/lib/dpkg/updates/0001", idna)
    fake_root.write("/var/lib/dpkg/updates/tmp.i", record(fake_root, "python3-requests",
                                                          "deinstall ok config-files"))
    versions = {name: dpkg(fake_root).package(name).version for name in names}
    assert before == {SIX: versions[SIX], "python3-requests": versions["python3-requests"]}
    assert installed_versions(names, str(fake_root)) == {
        "python3-idna": versions["python3-idna"], "python3-requests": versions["python3-requests"]}
