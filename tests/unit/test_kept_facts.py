"""Facts kept between runs while everything they read holds (pyguard.memo.kept_reading,
pyguard.plain): root's shell files and the venv search are read again exactly when a fresh
reading could find something else, and what a kept fact read still counts for the kept run."""

from __future__ import annotations

import marshal
import os
from typing import List

import pytest

from fakeroot_dpkg_pip_path import CONDA_BLOCK, conda
from fakeroot_venvs import make_venv
from pyguard import journal, memo, plain
from pyguard.facts import Facts, environment, host, root_path, sites, venvs
from pyguard.facts.root_path import KEPT_TYPES, CondaSetup, RootShell, ShellLine
from pyguard.journal import keeping
from pyguard.rootfs import Note, RootFS

BASHRC = "/root/.bashrc"


def counted(monkeypatch: pytest.MonkeyPatch, module, name: str) -> List[int]:
    """How often module.name is called: one item per call."""
    calls: List[int] = []
    real = getattr(module, name)

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def root_shell(root):
    """(RootShell, notes, journal) of one run over `root`."""
    with keeping() as seen, RootFS(str(root)) as fs:
        value = root_path.gather_root_shell(Facts(fs))
    return value, fs.notes, seen.seen


def fresh_shell(root) -> RootShell:
    with RootFS(str(root)) as fs:
        return root_path.read_root_shell(fs)


def found_venvs(root, roots=("/srv", "/home")):
    """(venvs, notes, journal) of one run over `root`."""
    with keeping() as seen, RootFS(str(root)) as fs:
        facts = Facts(fs)
        value = venvs.find_venvs(fs, facts.dpkg, roots)
    return value, fs.notes, seen.seen


def fresh_venvs(root, roots=("/srv", "/home")):
    with RootFS(str(root)) as fs:
        return venvs.find_venvs(fs, Facts(fs).dpkg, roots)


# -- plain data -------------------------------------------------------------------------------


def test_a_fact_comes_back_from_plain_data_as_it_was(fake_root):
    fake_root.write(BASHRC, "export PATH=/opt/a/bin:$PATH\nif true; then\n"
                            "  export PATH=/opt/b/bin:$PATH\nfi\n" + CONDA_BLOCK)
    conda(fake_root)
    shell = fresh_shell(fake_root)
    assert shell.conda and any(line.bodies for c in shell.contexts for e in c.entries
                               for line in e.lines)
    data = plain.encode(shell, KEPT_TYPES)
    assert marshal.loads(marshal.dumps(data)) == data
    assert plain.decode(data, KEPT_TYPES) == shell


@pytest.mark.parametrize("value", [[1, 2], {1, 2}, Note("a", "b", "c"), object()])
def test_what_plain_data_cannot_hold_is_refused(value):
    with pytest.raises(TypeError):
        plain.encode(value, KEPT_TYPES)


@pytest.mark.parametrize("data", [[len(KEPT_TYPES)], [-1], ["RootShell"], [], {1, 2},
                                  [KEPT_TYPES.index(ShellLine), "/root/.bashrc"],
                                  b"bytes"])
def test_plain_data_names_only_the_types_given(data):
    with pytest.raises(TypeError):
        plain.decode(data, KEPT_TYPES)


def test_kept_types_include_every_type_a_root_shell_holds():
    assert set(KEPT_TYPES) >= {RootShell, CondaSetup, ShellLine}


# -- root's shell -----------------------------------------------------------------------------


def test_root_shell_is_read_once_while_its_files_hold(fake_root, keep, monkeypatch):
    fake_root.write(BASHRC, "export PATH=/opt/a/bin:$PATH\n")
    reads = counted(monkeypatch, root_path, "read_root_shell")
    first, _, seen_first = root_shell(fake_root)
    second, notes, seen_second = root_shell(fake_root)
    assert reads == [1]
    assert second == first == fresh_shell(fake_root)
    assert notes == []
    assert seen_second == seen_first  # the kept run depends on what the kept fact read
    assert seen_first[BASHRC] == journal.status(os.lstat(fake_root.host(BASHRC)))


@pytest.mark.parametrize("change", ["byte with mtime put back", "file added", "file removed",
                                    "home swapped for a link"])
def test_a_change_to_what_root_shell_read_reads_it_again(fake_root, keep, monkeypatch, change):
    fake_root.write(BASHRC, "export PATH=/opt/a/bin:$PATH\n")
    fake_root.write("/root/.profile", ". /root/.bashrc\n")
    root_shell(fake_root)
    reads = counted(monkeypatch, root_path, "read_root_shell")
    host = fake_root.host(BASHRC)
    if change == "byte with mtime put back":
        before = host.stat()
        host.write_text("export PATH=/opt/b/bin:$PATH\n")  # same size
        os.utime(host, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif change == "file added":  # bash reads .bash_profile instead of .profile
        fake_root.write("/root/.bash_profile", "export PATH=/opt/c/bin:$PATH\n")
    elif change == "file removed":
        fake_root.remove("/root/.profile")
    else:  # the same files in another directory, /root now a link to it
        os.rename(fake_root.host("/root"), fake_root.host("/root.real"))
        fake_root.symlink("/root", "/root.real")
    again, _, _ = root_shell(fake_root)
    assert reads == [1]
    assert again == fresh_shell(fake_root)


def test_a_damaged_kept_fact_is_read_again(fake_root, keep, monkeypatch):
    fake_root.write(BASHRC, "export PATH=/opt/a/bin:$PATH\n")
    first, _, _ = root_shell(fake_root)
    (path,) = keep.glob("memo-root-shell-*")
    fmt, key, (grouped, host, _) = marshal.loads(path.read_bytes())
    reads = counted(monkeypatch, root_path, "read_root_shell")
    for count, garbage in enumerate((
            b"", b"\x00not marshal",
            marshal.dumps((fmt, key, (grouped, host, ([99, "x"], ())))),  # no such type
            marshal.dumps((fmt, key, (grouped, host, ("x",))))), 1):  # no notes
        path.write_bytes(garbage)
        assert root_shell(fake_root)[0] == first
        assert len(reads) == count


def test_a_reading_right_after_a_change_is_not_kept(fake_root, keep, monkeypatch):
    monkeypatch.setattr(journal, "RACY_NS", 3600 * 10 ** 9)
    root_shell(fake_root)
    assert list(keep.glob("memo-*")) == []


def test_a_rescue_root_keeps_no_fact(fake_root, tmp_path, monkeypatch):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    root_shell(fake_root)
    assert not (tmp_path / "cache").exists()


# -- the venv search --------------------------------------------------------------------------


def test_the_venv_search_is_kept_and_each_venv_read_again(fake_root, keep, monkeypatch):
    """A pip install into a venv changes no directory the search listed: the search is kept,
    and what is installed in the venv is read afresh."""
    fake_root.passwd([("alice", 1000, "/home/alice")])
    site = make_venv(fake_root, "/srv/app")
    make_venv(fake_root, "/home/alice/proj/.venv")
    first, _, _ = found_venvs(fake_root)
    searches = counted(monkeypatch, venvs, "venv_dirs")
    fake_root.pip_install(site, "requests", "2.31.0", top_level=["requests"])
    second, notes, _ = found_venvs(fake_root)
    assert searches == []
    assert second == fresh_venvs(fake_root) != first
    assert [v.path for v in second] == ["/home/alice/proj/.venv", "/srv/app"]
    assert notes == []


@pytest.mark.parametrize("change", ["venv made", "directory swapped for a link",
                                    "pyvenv.cfg removed"])
def test_a_change_below_the_roots_searches_again(fake_root, keep, monkeypatch, change):
    fake_root.passwd([("alice", 1000, "/home/alice")])
    make_venv(fake_root, "/home/alice/proj/.venv")
    fake_root.mkdir("/home/alice/elsewhere/deep/er")
    found_venvs(fake_root)
    searches = counted(monkeypatch, venvs, "venv_dirs")
    if change == "venv made":
        make_venv(fake_root, "/home/alice/elsewhere/deep/.venv")
    elif change == "directory swapped for a link":  # the user's own directories, her choice
        make_venv(fake_root, "/home/alice/elsewhere/deep/er/.venv")
        os.rename(fake_root.host("/home/alice/proj"), fake_root.host("/home/alice/old"))
        fake_root.symlink("/home/alice/proj", "elsewhere/deep/er")
    else:
        fake_root.remove("/home/alice/proj/.venv/pyvenv.cfg")
    again, _, _ = found_venvs(fake_root)
    assert searches == [1]
    assert again == fresh_venvs(fake_root)


def test_the_notes_of_a_kept_search_are_given_again(fake_root, keep, monkeypatch):
    monkeypatch.setattr(venvs, "MAX_DIRS", 2)
    for name in ("a", "b", "c"):
        fake_root.mkdir(f"/srv/{name}")
    _, first, _ = found_venvs(fake_root, ("/srv",))
    searches = counted(monkeypatch, venvs, "venv_dirs")
    _, second, _ = found_venvs(fake_root, ("/srv",))
    assert searches == []
    assert second == first == [Note("too-many-dirs", "/srv", "looked at 2 directories for "
                                    "virtual environments, not further")]


def test_other_roots_are_another_search(fake_root, keep, monkeypatch):
    make_venv(fake_root, "/srv/app")
    make_venv(fake_root, "/opt/tool")
    found_venvs(fake_root, ("/srv",))
    assert [v.path for v in found_venvs(fake_root, ("/opt",))[0]] == ["/opt/tool"]
    assert [v.path for v in found_venvs(fake_root, ("/srv",))[0]] == ["/srv/app"]


# -- what may not be kept ---------------------------------------------------------------------


def test_a_reading_that_could_not_read_a_file_is_not_kept(fake_root, keep):
    def unreadable(fs):
        fs.note("unreadable", "/etc/shadow", "Permission denied")
        return "value"

    for _ in range(2):
        with RootFS(str(fake_root)) as fs:
            assert memo.kept_reading("test", fs, 1, unreadable) == "value"
            assert fs.notes == [Note("unreadable", "/etc/shadow", "Permission denied")]
    assert list(keep.glob("memo-*")) == []


def test_a_value_plain_data_cannot_hold_is_not_kept(fake_root, keep):
    for _ in range(2):
        with RootFS(str(fake_root)) as fs:
            assert memo.kept_reading("test", fs, 1, lambda own: [own.is_dir("/etc")]) == [True]
    assert list(keep.glob("memo-*")) == []


def test_a_kept_fact_is_ours_alone(fake_root, keep, monkeypatch):
    fake_root.write(BASHRC, "export PATH=/opt/a/bin:$PATH\n")
    root_shell(fake_root)
    (path,) = keep.glob("memo-root-shell-*")
    path.chmod(0o666)
    reads = counted(monkeypatch, root_path, "read_root_shell")
    root_shell(fake_root)
    assert reads == [1]


# -- os-release and the environment files -----------------------------------------------------


def host_of(root):
    with keeping(), RootFS(str(root)) as fs:
        return Facts(fs).host


def environment_of(root):
    with keeping(), RootFS(str(root)) as fs:
        return environment.gather_environment(Facts(fs))


KEPT = {
    "os-release": (host_of, host, "parse_os_release",
                   lambda root: root.os_release("debian", "13", "trixie")),
    "environment": (environment_of, environment, "read_environment",
                    lambda root: root.write("/etc/profile.d/pip.sh",
                                            "export PIP_BREAK_SYSTEM_PACKAGES=1\n")),
}


@pytest.mark.parametrize("name", KEPT)
def test_os_release_and_environment_are_read_again_exactly_when_they_changed(
        fake_root, keep, monkeypatch, name):
    gather, module, reader, change = KEPT[name]
    fake_root.write("/etc/environment", 'PATH="/usr/local/bin:/usr/bin:/bin"\nPIP_USER=1\n')
    first = gather(fake_root)
    reads = counted(monkeypatch, module, reader)
    assert gather(fake_root) == first
    assert reads == []
    change(fake_root)
    again = gather(fake_root)
    assert reads == [1]
    with RootFS(str(fake_root)) as fs:
        assert again == getattr(module, reader)(fs) != first


# -- site directories -------------------------------------------------------------------------

LOCAL = "/usr/local/lib/python3.11/dist-packages"


def site_of(root, path=LOCAL):
    with keeping(), RootFS(str(root)) as fs:
        return Facts(fs).site(path)


def fresh_site(root, path=LOCAL):
    with RootFS(str(root)) as fs:
        facts = Facts(fs)
        found = next(s for s in facts.site_dirs if s.path == path)
        return sites.read_site(fs, facts.dpkg, found)


def test_a_site_is_listed_once_while_it_holds_and_its_owners_asked_each_run(
        fake_root, keep, monkeypatch):
    """A dpkg run that takes over a package pip put there, writing the same file in place,
    changes no file the listing read: the listing is kept, the owner is dpkg's new answer."""
    fake_root.pip_install(LOCAL, "requests", "2.31.0", top_level=["requests"])
    first = site_of(fake_root)
    listings = counted(monkeypatch, sites, "site_listing")
    init = f"{LOCAL}/requests/__init__.py"
    fake_root.install("python3-requests-local", {init: fake_root.read(init)})
    second = site_of(fake_root)
    assert listings == []
    assert second == fresh_site(fake_root)
    assert [(m.name, m.owners) for m in first.modules + second.modules] == [
        ("requests", ()), ("requests", ("python3-requests-local",))]


@pytest.mark.parametrize("change", ["pip install", "RECORD edited", "metadata removed"])
def test_a_change_to_a_site_lists_it_again(fake_root, keep, monkeypatch, change):
    dist = fake_root.pip_install(LOCAL, "requests", "2.31.0", top_level=["requests"])
    site_of(fake_root)
    listings = counted(monkeypatch, sites, "site_listing")
    if change == "pip install":
        fake_root.pip_install(LOCAL, "idna", "3.6", top_level=["idna"])
    elif change == "RECORD edited":  # her RECORD now names /etc/shadow: never acted on
        record = fake_root.host(f"{dist}/RECORD")
        record.write_text(record.read_text() + "../../../../../etc/shadow,,\n")
    else:
        fake_root.remove(f"{dist}/METADATA")
    again = site_of(fake_root)
    assert listings == [1]
    assert again == fresh_site(fake_root)


def test_fix_reads_every_fact_anew(fake_root, keep, monkeypatch):
    """fix changes the system: what it acts on is read now, never taken from the cache."""
    from pyguard import examine

    fake_root.write(BASHRC, "export PATH=/opt/a/bin:$PATH\n")
    examine.examine(str(fake_root), command="doctor")
    readers = [counted(monkeypatch, root_path, "read_root_shell"),
               counted(monkeypatch, venvs, "venv_dirs"),
               counted(monkeypatch, host, "parse_os_release"),
               counted(monkeypatch, environment, "read_environment"),
               counted(monkeypatch, sites, "site_listing")]
    examine.examine(str(fake_root), command="fix")
    assert [len(calls) for calls in readers] == [1, 1, 1, 1, 3]
    for calls in readers:
        calls.clear()
    for path in keep.glob("memo-examine-*"):
        path.unlink()
    examine.examine(str(fake_root), command="doctor")
    assert [len(calls) for calls in readers] == [0, 0, 0, 0, 0]


def every_site(root) -> None:
    with keeping(), RootFS(str(root)) as fs:
        facts = Facts(fs)
        for site in facts.site_dirs:
            facts.site(site.path)


def test_the_listing_of_a_site_that_is_gone_leaves_the_cache(fake_root, keep):
    """A user removed leaves no kept listing of her site behind; what other sites, facts and
    pyguard installations kept stays."""
    user_site = "/home/alice/.local/lib/python3.11/site-packages"
    fake_root.passwd([("alice", 1000, "/home/alice")])
    fake_root.pip_install(user_site, "requests", "2.31.0", top_level=["requests"])
    fake_root.pip_install(LOCAL, "idna", "3.6", top_level=["idna"])
    suffix = f"-{memo.cache.digest(str(fake_root))}.marshal"
    others = [f"memo-site-0123abcd-89abcdef{suffix}", f"memo-host-89abcdef{suffix}",
              f"{memo._name('host')}{suffix}", f"verify{suffix}"]
    keep.mkdir(mode=0o700)
    for name in others:
        (keep / name).write_bytes(b"")
    every_site(fake_root)
    kept_site = {path: f"{memo._name(sites._kept_as(path))}{suffix}" for path in (
        "/usr/lib/python3/dist-packages", "/usr/lib/python3.11", LOCAL, user_site)}
    assert sorted(os.listdir(keep)) == sorted(others + list(kept_site.values()))
    fake_root.passwd()
    every_site(fake_root)
    del kept_site[user_site]
    assert sorted(os.listdir(keep)) == sorted(others + list(kept_site.values()))
