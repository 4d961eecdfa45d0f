"""Knowing the upgrade ahead: apt's lists read from the files (never apt), the release table,
the default of today (never a deadsnakes python3.12), and the snapshots of pip installations
outside venvs that the rebuild after the upgrade reads."""

import gzip
import json
import os
import stat

import pytest

from fakeroot import FakeRoot
from fakeroot_upgrade import (DEADSNAKES, DEBIAN, apt_lists, bookworm_lists, jammy, noble_lists,
                              python3_stanzas, trixie_lists)
from pyguard.facts import Facts
from pyguard.facts.aptlists import Candidate, package_names, read_apt_lists
from pyguard.facts.installs import find_installations
from pyguard.facts.releases import ReleaseError, load_releases, path_between, table_path
from pyguard.facts.snapshots import find_site_snapshot, snapshot_dir, snapshot_name
from pyguard.facts.upgrade import FROM_LISTS, FROM_TABLE, gather_upgrade
from pyguard.report.snapshots import record_root
from pyguard.rootfs import RootFS
from pyguard.rules import rule_dirs

LOCAL = "/usr/local/lib/python3.11/dist-packages"
TRIXIE_LIST = f"/var/lib/apt/lists/{DEBIAN}_dists_trixie_main_binary-amd64_Packages"


@pytest.fixture(autouse=True)
def _state(monkeypatch, tmp_path):
    monkeypatch.setenv("PYGUARD_STATE_DIR", str(tmp_path / "state"))


def upgrade_of(root, to=""):
    facts = Facts(RootFS(str(root)))
    facts.upgrade_to = to
    return facts.get(gather_upgrade)


def test_the_release_table_sits_beside_the_rules_and_knows_each_default():
    assert os.path.dirname(table_path()) == rule_dirs()[0]
    releases = load_releases()
    assert {r.codename: r.python for r in releases.values()} == {
        "bullseye": "3.9", "bookworm": "3.11", "trixie": "3.13", "forky": "3.14",
        "focal": "3.8", "jammy": "3.10", "noble": "3.12"}
    assert "python3-distutils" in releases["trixie"].dropped
    assert "python3-lib2to3" in releases["trixie"].dropped
    assert releases["trixie"].instead == (("python3-distutils", "python3-setuptools"),)
    assert [r.codename for r in path_between(releases, "bullseye", "trixie")] == [
        "bookworm", "trixie"]
    assert path_between(releases, "trixie", "bookworm") == ()
    assert releases["noble"].name == "Ubuntu 24.04 (noble)"


def test_a_damaged_table_is_refused_with_its_place(tmp_path):
    bad = tmp_path / "releases.deb822"
    bad.write_text("Release: x\nDistribution: debian\nVersion: 1\nPython: three\n")
    with pytest.raises(ReleaseError, match="paragraph 1: Python must be 3.X, not 'three'"):
        load_releases(str(bad))


def test_the_lists_of_todays_release_say_no_upgrade_is_ahead(fake_root):
    assert upgrade_of(fake_root) is None  # no lists at all (a slim image)
    bookworm_lists(fake_root)
    assert upgrade_of(fake_root) is None


def test_the_lists_of_the_next_release_name_it_and_its_python(fake_root):
    trixie_lists(fake_root)
    upgrade = upgrade_of(fake_root)
    assert (upgrade.current, upgrade.target, upgrade.codename, upgrade.name, upgrade.source,
            upgrade.python3_version, upgrade.evidence) == (
        "3.11", "3.13", "trixie", "Debian 13 (trixie)", FROM_LISTS, "3.13.5-1", (TRIXIE_LIST,))


def test_the_candidate_is_the_highest_version_of_the_native_arch_from_automatic_sources(fake_root):
    """Backports and experimental (NotAutomatic) are not what full-upgrade installs; a foreign
    architecture's python3 is not either. Compressed lists are read too."""
    apt_lists(fake_root, "bookworm", python3_stanzas("3.11.2-1+b1", "3.11"))
    apt_lists(fake_root, "experimental", python3_stanzas("3.14.0-1", "3.14"),
              suite="experimental", not_automatic=True)
    path = apt_lists(fake_root, "bookworm-backports", python3_stanzas("3.12.0-1", "3.12", "arm64"),
                     suite="bookworm-backports", arch="arm64")
    fake_root.write(path + ".gz", gzip.compress(fake_root.host(path).read_bytes()))
    fake_root.remove(path)
    lists = read_apt_lists(RootFS(str(fake_root)), "amd64")
    assert lists.python3 == Candidate("3.11.2-1+b1", "3.11", "bookworm",
                                      f"/var/lib/apt/lists/{DEBIAN}_dists_bookworm_main_binary-"
                                      "amd64_Packages")
    assert "python3.12" in package_names(RootFS(str(fake_root)), "amd64")  # any arch: apt has it


def test_a_list_whose_python3_version_is_garbage_offers_nothing(fake_root):
    """Version: x:1.0 in one list failed four upgrade rules and upgrade-check with ValueError."""
    apt_lists(fake_root, "bookworm", python3_stanzas("3.11.2-1+b1", "3.11"))
    apt_lists(fake_root, "trixie", python3_stanzas("x:1.0", "3.13"))
    lists = read_apt_lists(RootFS(str(fake_root)), "amd64")
    assert lists.python3 == Candidate("3.11.2-1+b1", "3.11", "bookworm",
                                      f"/var/lib/apt/lists/{DEBIAN}_dists_bookworm_main_binary-"
                                      "amd64_Packages")
    apt_lists(fake_root, "bookworm", python3_stanzas("!!!", "3.11"))
    assert read_apt_lists(RootFS(str(fake_root)), "amd64").python3 is None


def test_the_lists_are_read_once_until_apt_update_changes_them(fake_root, monkeypatch):
    trixie_lists(fake_root)
    fs = RootFS(str(fake_root))
    first = read_apt_lists(fs, "amd64")
    from pyguard.facts import aptlists

    with monkeypatch.context() as patched:  # undo() would drop the conftest's cache dir too
        patched.setattr(aptlists, "_scan", lambda *a: pytest.fail("read the lists again"))
        assert read_apt_lists(RootFS(str(fake_root)), "amd64") == first
    bookworm_lists(fake_root)  # apt update: other lists
    assert read_apt_lists(RootFS(str(fake_root)), "amd64").python3.python == "3.11"


def test_to_looks_ahead_with_the_table_and_the_lists_win_once_they_describe_it(fake_root):
    bookworm_lists(fake_root)
    upgrade = upgrade_of(fake_root, "trixie")
    assert (upgrade.target, upgrade.source, upgrade.evidence) == ("3.13", FROM_TABLE,
                                                                  (table_path(),))
    assert "python3-distutils" in upgrade.dropped
    trixie_lists(fake_root)
    assert upgrade_of(fake_root, "trixie").source == FROM_LISTS


def test_ubuntu_jammy_keeps_its_default_beside_deadsnakes_and_moves_to_noble(tmp_path):
    root = jammy(tmp_path / "root")
    facts = Facts(RootFS(str(root)))
    assert (facts.host.distro, facts.host.codename, facts.defaults.default) == (
        "ubuntu", "jammy", "3.10")
    assert facts.interpreter("3.12") is not None  # there, but not the default
    lists = read_apt_lists(facts.fs, "amd64")
    assert [c.codename for c in lists.candidates] == ["jammy"]  # the PPA has no python3
    assert DEADSNAKES in " ".join(lists.files) and upgrade_of(root) is None
    noble_lists(root)
    upgrade = upgrade_of(root)
    assert (upgrade.current, upgrade.target, upgrade.name) == ("3.10", "3.12",
                                                               "Ubuntu 24.04 (noble)")


def test_record_root_keeps_pip_installations_beside_the_venvs(fake_root, tmp_path):
    fake_root.passwd([("alice", 1000, "/home/alice")])
    fake_root.pip_install(LOCAL, "attrs", "24.2.0", top_level=["attr", "attrs"],
                          scripts={"attrtool": "#!/usr/bin/python3\n"})
    dist = fake_root.pip_install(LOCAL, "fromurl", "1.0", top_level=["fromurl"])
    fake_root.write(f"{dist}/direct_url.json", json.dumps({
        "url": "https://example.org/fromurl-1.0.tar.gz",
        "archive_info": {"hashes": {"sha256": "ab" * 32}}}))
    fake_root.pip_install("/usr/local/lib/python3.9/dist-packages", "six", "1.16.0", ["six"])
    state = str(tmp_path / "state")
    assert record_root(str(fake_root.path), None, state) == []
    directory = snapshot_dir(state, os.path.realpath(fake_root.path))
    assert os.listdir(directory) == [snapshot_name(LOCAL)]  # python3.9 is gone: not recorded
    path = os.path.join(directory, snapshot_name(LOCAL))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    doc = json.loads(open(path).read())
    assert {k: v for k, v in doc.items() if k not in ("time", "date")} == {
        "format": "pyguard-venv-snapshot/1", "kind": "site",
        "root": os.path.realpath(fake_root.path), "site": LOCAL, "user": "root",
        "python": "3.11",
        "packages": [
            {"name": "attrs", "version": "24.2.0", "installer": "pip",
             "requirement": "attrs==24.2.0"},
            {"name": "fromurl", "version": "1.0", "installer": "pip",
             "requirement": "fromurl==1.0", "hash": "sha256=" + "ab" * 32}],
        "requirements": ["attrs==24.2.0", "fromurl==1.0"],
        "programs": ["/usr/local/bin/attrtool"]}
    snapshot = find_site_snapshot(RootFS(str(fake_root)), LOCAL)
    assert [(p.requirement, p.hash) for p in snapshot.packages] == [
        ("attrs==24.2.0", ""), ("fromurl==1.0", "sha256=" + "ab" * 32)]
    assert snapshot.programs == ("/usr/local/bin/attrtool",)
    fs = RootFS(str(fake_root))
    assert find_site_snapshot(fs, "/usr/local/lib/python3.9/dist-packages") is None


def test_a_site_snapshot_is_never_taken_for_a_venvs_and_a_damaged_one_is_noted(fake_root, tmp_path):
    from pyguard.facts.snapshots import parse

    fake_root.pip_install(LOCAL, "attrs", "24.2.0", top_level=["attr", "attrs"])
    state = str(tmp_path / "state")
    record_root(str(fake_root.path), None, state)
    path = os.path.join(snapshot_dir(state, os.path.realpath(fake_root.path)), snapshot_name(LOCAL))
    data = open(path, "rb").read()
    with pytest.raises(ValueError, match="it is the snapshot of None"):
        parse(data, os.path.realpath(fake_root.path), LOCAL)
    doc = json.loads(data)
    doc["packages"][0]["requirement"] = "--index-url=https://evil.example/"
    open(path, "w").write(json.dumps(doc))
    fs = RootFS(str(fake_root))
    assert find_site_snapshot(fs, LOCAL) is None
    assert [(n.code, n.path) for n in fs.notes] == [("venv-snapshot", path)]


def test_installations_are_found_for_every_python_on_disk(fake_root):
    fake_root.passwd([("alice", 1000, "/home/alice")])
    fake_root.pip_install("/home/alice/.local/lib/python3.8/site-packages", "six", "1.16.0",
                          ["six"], scripts={"sixer": "#!/usr/bin/env python3.8\n"})
    fake_root.pip_install(LOCAL, "attrs", "24.2.0", ["attr", "attrs"])
    found = find_installations(RootFS(str(fake_root)), Facts(RootFS(str(fake_root))).dpkg)
    assert [(i.site.path, i.site.user, i.version, [p.requirement for p in i.packages],
             [(p.path, p.interpreter) for p in i.programs]) for i in found] == [
        ("/home/alice/.local/lib/python3.8/site-packages", "alice", "3.8", ["six==1.16.0"],
         [("/home/alice/.local/bin/sixer", "python3.8")]),
        (LOCAL, None, "3.11", ["attrs==24.2.0"], []),
    ]
