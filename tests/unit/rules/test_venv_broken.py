"""venv-broken: venvs whose interpreter is gone or runs another Python than they were made with."""

import pytest

from fakeroot import FakeRoot
from fakeroot_venvs import direct, editable, make_venv

ARCHIVE = '"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)"'
MOVED = "move the broken venv aside (kept in /var/lib/pyguard/aside)"
REMADE = ("make the venv anew with Debian's python3 (seeing Debian's packages if it did before) "
          "and install the projects it held at the same versions")
ENSUREPIP = "python3 -m venv needs ensurepip, which python3-venv ships"
SIX_ATTRS = [("six", "1.17.0", ["six"]), ("attrs", "24.2.0", ["attr", "attrs"])]


pytestmark = pytest.mark.usefixtures("default_venv_roots")


def broken(venv, state, held, requirements, made="Python 3.11.2", ensurepip=False,
           system=False, user="", interpreter=None, source="read from its metadata"):
    """The finding; `user` is the one who controls the venv (and its parent directory)."""
    archive = ARCHIVE.format(label="venv-" + venv.strip("/").replace("/", "-"))
    run = f"runuser -u {user} -- " if user else ""
    repair = []
    if ensurepip:
        repair.append(("apt-get install -y python3-venv", ENSUREPIP))
    if user:
        repair.append((f"mkdir -p /var/lib/pyguard/aside && {run}tar -C / --remove-files -czf - "
                       f"{venv.lstrip('/')} > {archive}", MOVED))
    else:
        repair.append((f"mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf {archive} "
                       f"{venv.lstrip('/')}", MOVED))
    remade = f"{run}/usr/bin/python3 -m venv {'--system-site-packages ' if system else ''}{venv}"
    if requirements:
        remade += f" && {run}{venv}/bin/python -m pip install --no-cache-dir {requirements}"
    repair.append((remade, f"{REMADE}, {source}"))
    return {
        "rule": "venv-broken",
        "severity": "warning",
        "title": f"virtual environment {venv} is broken",
        "detail": f"{venv} was made with {made}, but {state}. Programs run from it fail to start "
                  f"or no longer find what was installed there, {source}: {held}.",
        "subject": venv,
        "paths": [f"{venv}/pyvenv.cfg", interpreter or f"{venv}/bin/python3"],
        "repair": repair,
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_a_working_venv_has_no_finding(fake_root, doctor):
    make_venv(fake_root, "/srv/app", packages=SIX_ATTRS)
    fake_root.mkdir("/usr/lib/python3.11/ensurepip")
    assert doctor(fake_root) == []


def test_venv_of_a_python_in_usr_local_and_a_venv_whose_home_is_gone_still_work(fake_root, doctor):
    """Python finds its stdlib by searching upwards from home (/usr/local/bin, /usr/local, /usr)."""
    fake_root.write("/usr/local/bin/python3.11", b"\x7fELF copy")
    make_venv(fake_root, "/srv/a", caller="/usr/local/bin/python3.11")
    make_venv(fake_root, "/srv/b", caller="/usr/bin/python3.11")
    fake_root.write("/srv/b/pyvenv.cfg", fake_root.read("/srv/b/pyvenv.cfg").replace(
        "home = /usr/bin", "home = /usr/lib/removed/bin"))
    assert doctor(fake_root) == []


def test_venv_from_before_an_upgrade_runs_the_new_python_without_its_packages(tmp_path, doctor):
    """Debian 12 -> 13: /usr/bin/python3 is 3.13 now, the venv's packages are in lib/python3.11."""
    root = FakeRoot.trixie(tmp_path / "root")
    make_venv(root, "/srv/app", packages=SIX_ATTRS)
    assert doctor(root) == [broken(
        "/srv/app",
        "/srv/app/bin/python3 now runs Python 3.13 (/usr/bin/python3.13), which does not look in "
        "/srv/app/lib/python3.11/site-packages",
        "attrs 24.2.0, six 1.17.0", "attrs==24.2.0 six==1.17.0", ensurepip=True)]


def test_dangling_interpreter_of_a_users_venv_with_system_site_packages(fake_root, doctor):
    """Made with a /usr/local build that is gone; the user's venv is given back to them."""
    venv = "/home/alice/projects/app/.venv"
    fake_root.passwd([("alice", 1000, "/home/alice")])
    make_venv(fake_root, venv, caller="/usr/local/bin/python3.11", system=True,
              packages=[("requests", "2.32.3", ["requests"])])
    fake_root.mkdir("/usr/lib/python3.11/ensurepip")
    try:
        import os
        for top, dirs, files in os.walk(fake_root.host("/home/alice")):
            for name in [top] + [os.path.join(top, n) for n in dirs + files]:
                os.lchown(name, 1000, 1000)
    except PermissionError:  # not root: the files are the tester's own, which is as good
        pass
    assert doctor(fake_root) == [broken(
        venv,
        f"its interpreter {venv}/bin/python3 leads to /usr/local/bin/python3.11, which does not exist",
        "requests 2.32.3", "requests==2.32.3", system=True, user="alice")]


def test_editable_install_is_reinstalled_from_its_source_and_nothing_is_pinned_twice(tmp_path, doctor):
    root = FakeRoot.trixie(tmp_path / "root")
    root.mkdir("/usr/lib/python3.13/ensurepip")
    site = make_venv(root, "/opt/tool", packages=[("Flask", "3.0.3", ["flask"])],
                     provided=[("pip", "23.0.1")])
    editable(root, site, "tool", "0.1", "/opt/tool-src")
    editable(root, site, "vendored", "2.0", "/opt/tool/src/vendored")  # goes aside with the venv
    direct(root, site, "lib", "1.2", {"url": "https://git.example.org/lib.git",
                                      "vcs_info": {"vcs": "git", "commit_id": "0123abc"}})
    assert doctor(root) == [broken(
        "/opt/tool",
        "/opt/tool/bin/python3 now runs Python 3.13 (/usr/bin/python3.13), which does not look in "
        "/opt/tool/lib/python3.11/site-packages",
        "Flask 3.0.3, lib 1.2, tool 0.1, vendored 2.0",
        "Flask==3.0.3 'lib @ git+https://git.example.org/lib.git@0123abc' "
        "--editable=/opt/tool-src vendored==2.0")]


def test_venv_with_only_pip_is_remade_without_an_install_step(fake_root, doctor):
    make_venv(fake_root, "/var/www/site/venv", caller="/usr/local/bin/python3.11")
    fake_root.mkdir("/usr/lib/python3.11/ensurepip")
    assert doctor(fake_root) == [broken(
        "/var/www/site/venv",
        "its interpreter /var/www/site/venv/bin/python3 leads to /usr/local/bin/python3.11, which "
        "does not exist",
        "no projects besides pip and setuptools", "")]


def test_virtualenv_version_info_and_a_missing_stdlib(fake_root, doctor):
    """virtualenv writes version_info; a venv with copied binaries keeps running into a void."""
    venv = "/root/venv"
    fake_root.write(f"{venv}/pyvenv.cfg", "home = /opt/python3.10/bin\nimplementation = CPython\n"
                    "version_info = 3.10.13.final.0\nvirtualenv = 20.25.0\n"
                    "include-system-site-packages = false\n")
    fake_root.write(f"{venv}/bin/python3", b"\x7fELF copied interpreter")
    fake_root.mkdir("/opt/python3.10/bin")
    fake_root.mkdir(f"{venv}/lib/python3.10/site-packages")
    fake_root.mkdir("/usr/lib/python3.11/ensurepip")
    assert doctor(fake_root) == [broken(
        venv, "the standard library of Python 3.10, /opt/python3.10/lib/python3.10, is gone",
        "no projects besides pip and setuptools", "", made="Python 3.10.13")]


def test_venvs_too_deep_in_skipped_dirs_or_outside_the_roots_are_not_looked_at(fake_root, doctor):
    for path in ("/srv/a/b/c/d/venv", "/srv/proj/.tox/py311", "/srv/proj/node_modules/x/venv",
                 "/var/lib/app/venv"):
        make_venv(fake_root, path, caller="/usr/local/bin/python3.11")
    assert doctor(fake_root) == []


def test_symlinks_are_followed_only_within_the_roots_and_a_venv_counts_once(fake_root, doctor):
    fake_root.mkdir("/usr/lib/python3.11/ensurepip")
    make_venv(fake_root, "/var/lib/app/venv", caller="/usr/local/bin/python3.11")
    make_venv(fake_root, "/opt/real/venv", caller="/usr/local/bin/python3.11")
    fake_root.symlink("/srv/outside", "/var/lib/app")
    fake_root.symlink("/srv/inside", "/opt/real")
    fake_root.symlink("/srv/escape", "../../../../../../..")  # RootFS keeps it in the root
    assert [f["subject"] for f in doctor(fake_root)] == ["/opt/real/venv"]


def test_roots_from_the_environment(fake_root, doctor, monkeypatch):
    make_venv(fake_root, "/var/lib/app/venv", caller="/usr/local/bin/python3.11")
    make_venv(fake_root, "/srv/app", caller="/usr/local/bin/python3.11")
    monkeypatch.setenv("PYGUARD_VENV_ROOTS", "/var/lib/app:/nonexistent")
    assert [f["subject"] for f in doctor(fake_root)] == ["/var/lib/app/venv"]


def test_an_editable_source_a_user_controls_is_never_built_for_roots_venv(tmp_path, doctor):
    """Her setup.py would run as root (needrestart's CVE-2024-48990): it is left out and named."""
    import os

    root = FakeRoot.trixie(tmp_path / "root")
    root.passwd([("alice", 1000, "/home/alice")])
    root.mkdir("/usr/lib/python3.13/ensurepip")
    site = make_venv(root, "/srv/app", packages=[("six", "1.17.0", ["six"])])
    editable(root, site, "proj", "0.1", "/home/alice/proj")
    root.write("/home/alice/proj/setup.py", "import os; os.system('id > /tmp/pwned')\n")
    for top, dirs, files in os.walk(root.host("/home/alice")):
        for name in [top] + [os.path.join(top, n) for n in dirs + files]:
            os.lchown(name, 1000, 1000)
    finding = broken(
        "/srv/app",
        "/srv/app/bin/python3 now runs Python 3.13 (/usr/bin/python3.13), which does not look in "
        "/srv/app/lib/python3.11/site-packages", "six 1.17.0", "six==1.17.0")
    finding["repair"][-1] = (finding["repair"][-1][0], finding["repair"][-1][1] + (
        "; left out: proj 0.1, whose source /home/alice/proj the venv's owner does not control "
        "(alice can change it) (install it by hand as whoever should run its build)"))
    assert doctor(root) == [finding]


def _roots_venv_after_the_upgrade(tmp_path):
    """Root's venv /srv/app from Python 3.11, on Debian 13; alice (1000) and bob (1001) exist."""
    root = FakeRoot.trixie(tmp_path / "root")
    root.passwd([("alice", 1000, "/home/alice"), ("bob", 1001, "/home/bob")])
    root.mkdir("/usr/lib/python3.13/ensurepip")
    site = make_venv(root, "/srv/app", packages=SIX_ATTRS)
    return root, site


def _left_out(finding, *why):
    finding["repair"][-1] = (finding["repair"][-1][0], finding["repair"][-1][1] + "".join(
        f"; left out: {w} (install it by hand as whoever should run its build)" for w in why))
    return finding


STATE = ("/srv/app/bin/python3 now runs Python 3.13 (/usr/bin/python3.13), which does not look in "
         "/srv/app/lib/python3.11/site-packages")


def test_a_project_whose_metadata_a_user_can_write_is_never_installed_as_root(tmp_path, doctor):
    """Root's venv, but alice owns one project's metadata files (an admin's chown, an ACL):
    what they name, a typosquat or her git URL, would be built as root."""
    import os

    root, site = _roots_venv_after_the_upgrade(tmp_path)
    direct(root, site, "innocent", "1.0", {"url": "https://github.com/alice/evil.git",
                                           "vcs_info": {"vcs": "git", "commit_id": "deadbeef"}})
    for name in os.listdir(root.host(f"{site}/innocent-1.0.dist-info")):
        os.lchown(root.host(f"{site}/innocent-1.0.dist-info/{name}"), 1000, 1000)
    os.chmod(root.host(f"{site}/six-1.17.0.dist-info/METADATA"), 0o666)
    assert doctor(root) == [_left_out(
        broken("/srv/app", STATE, "attrs 24.2.0", "attrs==24.2.0"),
        f"innocent 1.0, whose metadata {site}/innocent-1.0.dist-info the venv's owner does not "
        "control (alice can change it)",
        f"six 1.17.0, whose metadata {site}/six-1.17.0.dist-info the venv's owner does not "
        "control (a group or everyone can change it)")]


def test_roots_venv_with_a_directory_a_user_controls_gets_no_repair(tmp_path, doctor):
    """tar --remove-files unlinks what it archived by path: bob could swap a directory of his
    inside root's venv for a link to /etc while root's tar works, and root's files there would
    go. Such a tree is nobody's alone to take away, and no rebuild is offered either."""
    import os

    root, site = _roots_venv_after_the_upgrade(tmp_path)
    os.chown(root.host(site), 1001, 1001)
    found = broken("/srv/app", STATE, "no projects besides pip and setuptools", "")
    found["detail"] += (" pyguard offers no repair: directories inside it are not its owner's "
                        "alone, and whoever else controls one could redirect the removal of the "
                        "files below it; set it aside by hand")
    found["repair"] = []
    assert doctor(root) == [found]


def test_an_editable_checkout_of_roots_with_a_users_file_in_it_is_left_out(tmp_path, doctor):
    """The checkout's top is root's, its setup.py alice's: the build would run her code."""
    import os

    root, site = _roots_venv_after_the_upgrade(tmp_path)
    editable(root, site, "proj", "0.1", "/opt/proj")
    root.write("/opt/proj/src/proj/__init__.py", "")
    root.write("/opt/proj/setup.py", "import os; os.system('id > /tmp/pwned')\n")
    os.chown(root.host("/opt/proj/setup.py"), 1000, 1000)
    assert doctor(root) == [_left_out(
        broken("/srv/app", STATE, "attrs 24.2.0, six 1.17.0", "attrs==24.2.0 six==1.17.0"),
        "proj 0.1, whose source /opt/proj the venv's owner does not control (alice can change it)")]


def test_a_users_own_venv_keeps_what_she_installed(tmp_path, doctor):
    """Her metadata in her venv is hers to choose: the rebuild runs as her with all of it."""
    import os

    root = FakeRoot.trixie(tmp_path / "root")
    root.passwd([("alice", 1000, "/home/alice")])
    root.mkdir("/usr/lib/python3.13/ensurepip")
    site = make_venv(root, "/home/alice/app", packages=SIX_ATTRS)
    direct(root, site, "innocent", "1.0", {"url": "https://github.com/alice/tool.git",
                                           "vcs_info": {"vcs": "git", "commit_id": "deadbeef"}})
    for top, dirs, files in os.walk(root.host("/home/alice")):
        for name in [top] + [os.path.join(top, n) for n in dirs + files]:
            os.lchown(name, 1000, 1000)
    state = STATE.replace("/srv/app", "/home/alice/app")
    assert doctor(root) == [broken(
        "/home/alice/app", state, "attrs 24.2.0, innocent 1.0, six 1.17.0",
        "attrs==24.2.0 'innocent @ git+https://github.com/alice/tool.git@deadbeef' six==1.17.0",
        user="alice")]


def test_pipenvs_and_poetrys_venvs_in_a_home_are_found(tmp_path, doctor):
    """Below ~/.local/share and ~/.cache, which the search skips, and deeper than it goes.
    pipenv's is rebuilt where it is (pipenv finds it by the project's name alone); poetry's is
    only moved aside: poetry names its venvs after the Python they were made with and makes
    shop-Xy9_-py3.13 for 3.13 itself, so a rebuilt -py3.11 would never be used."""
    from fakeroot_venvs import chown_tree

    root = FakeRoot.trixie(tmp_path / "root")
    root.mkdir("/usr/lib/python3.13/ensurepip")
    root.passwd([("alice", 1000, "/home/alice")])
    pipenv = "/home/alice/.local/share/virtualenvs/shop-Ab12Cd34"
    poetry = "/home/alice/.cache/pypoetry/virtualenvs/shop-Xy9_-py3.11"
    for venv in (pipenv, poetry):
        make_venv(root, venv, packages=SIX_ATTRS)
    chown_tree(root, "/home/alice", 1000)
    state = ("{venv}/bin/python3 now runs Python 3.13 (/usr/bin/python3.13), which does not look "
             "in {venv}/lib/python3.11/site-packages")
    moved_only = broken(poetry, state.format(venv=poetry), "attrs 24.2.0, six 1.17.0",
                        "attrs==24.2.0 six==1.17.0", user="alice")
    moved_only["detail"] += (" poetry never uses it again: at the next `poetry install` in the "
                             "project it makes /home/alice/.cache/pypoetry/virtualenvs/"
                             "shop-Xy9_-py3.13 for Python 3.13, so this one is only moved aside.")
    del moved_only["repair"][1:]
    assert doctor(root) == [
        moved_only,
        broken(pipenv, state.format(venv=pipenv), "attrs 24.2.0, six 1.17.0",
               "attrs==24.2.0 six==1.17.0", user="alice")]


def test_poetrys_venv_of_todays_python_broken_otherwise_is_moved_aside_for_poetry_to_remake(
        tmp_path, doctor):
    """A venv of today's Python, broken otherwise (its standard library gone): poetry makes the
    venv of the same name anew itself."""
    from fakeroot_venvs import chown_tree

    root = FakeRoot.trixie(tmp_path / "root")
    root.passwd([("alice", 1000, "/home/alice")])
    venv = "/home/alice/.cache/pypoetry/virtualenvs/shop-Xy9_-py3.13"
    make_venv(root, venv, version="3.13.5", caller="/usr/bin/python3.13", packages=SIX_ATTRS)
    root.remove("/usr/lib/python3.13/os.py")
    chown_tree(root, "/home/alice", 1000)
    expected = broken(venv, "the standard library of Python 3.13, /usr/lib/python3.13, is gone",
                      "attrs 24.2.0, six 1.17.0", "", made="Python 3.13.5", user="alice")
    expected["detail"] += (" poetry makes it anew at the next `poetry install` in the project, "
                           "so it is only moved aside.")
    del expected["repair"][1:]
    assert doctor(root, only=["venv-broken"]) == [expected]
