"""pipx-app-broken: pipx's apps whose venv no longer works, which pipx makes anew itself."""

import os

import pytest

from fakeroot import FakeRoot
from fakeroot_venvs import KEPT, chown_tree, kept_copy, make_venv, pipx_app

PIPX = "pipx reinstall needs pipx: Debian's (the repair never runs a user's)"
UPGRADED = ("/bin/python3 now runs Python 3.13 (/usr/bin/python3.13), which does not look in "
            "{venv}/lib/python3.11/site-packages")


pytestmark = pytest.mark.usefixtures("default_venv_roots")


def broken(venv, home, user="", pipx_installed=False, state=None):
    run = f"runuser -u {user} -- " if user else ""
    name = venv.rsplit("/", 1)[1]
    keep = kept_copy(venv, "pipx-" + venv.strip("/").replace("/", "-"), user)
    state = state or venv + UPGRADED.format(venv=venv)
    return {
        "rule": "pipx-app-broken",
        "severity": "warning",
        "title": f"pipx's app {name} is broken",
        "detail": f"{venv}, the venv pipx made for {name}, was made with Python 3.11.2, but "
                  f"{state}. The app's programs fail to start, and `pipx list` still calls it "
                  "installed.",
        "subject": venv,
        "paths": [f"{venv}/pyvenv.cfg", f"{venv}/bin/python3"],
        "repair": ([] if pipx_installed else [("apt-get install -y pipx", PIPX)]) + [
            (keep, KEPT),
            (f"{run}env PIPX_HOME={home} /usr/bin/pipx reinstall --python /usr/bin/python3 {name}",
             f"have pipx make {name} anew with Debian's python3, from its own record of what it "
             "installed"),
        ],
    }


def test_users_pipx_apps_after_the_upgrade_are_reinstalled_by_pipx_as_her(tmp_path, doctor):
    """Debian 12's pipx kept its home in ~/.local/pipx, 13's in ~/.local/share/pipx: both are
    below what the venv search reaches. pipx's shared venv is pipx's own business."""
    root = FakeRoot.trixie(tmp_path / "root")
    root.mkdir("/usr/lib/python3.13/ensurepip")
    root.passwd([("alice", 1000, "/home/alice"), ("bob", 1001, "/home/bob")])
    old = pipx_app(root, "/home/alice/.local/pipx", "httpie")
    new = pipx_app(root, "/home/bob/.local/share/pipx", "black")
    chown_tree(root, "/home/alice", 1000)
    chown_tree(root, "/home/bob", 1001)
    assert doctor(root) == [broken(old, "/home/alice/.local/pipx", "alice"),
                            broken(new, "/home/bob/.local/share/pipx", "bob")]


def test_roots_pipx_home_in_opt_with_debians_pipx_installed(tmp_path, doctor):
    root = FakeRoot.trixie(tmp_path / "root")
    root.mkdir("/usr/lib/python3.13/ensurepip")
    root.install("pipx", version="1.7.1-1", files={"/usr/bin/pipx": "#!/usr/bin/python3\n"})
    venv = pipx_app(root, "/opt/pipx", "ansible-core")
    assert doctor(root) == [broken(venv, "/opt/pipx", pipx_installed=True)]


def test_roots_global_app_is_linked_again_where_its_programs_were(tmp_path, doctor):
    """PIPX_HOME=/opt/pipx PIPX_BIN_DIR=/usr/local/bin pipx install (or pipx --global): told
    nothing, the reinstall would link the programs into root's ~/.local/bin."""
    root = FakeRoot.trixie(tmp_path / "root")
    root.mkdir("/usr/lib/python3.13/ensurepip")
    root.install("pipx", version="1.7.1-1", files={"/usr/bin/pipx": "#!/usr/bin/python3\n"})
    venv = pipx_app(root, "/opt/pipx", "ansible-core")
    root.write(f"{venv}/bin/ansible", "#!/opt/pipx/venvs/ansible-core/bin/python\n")
    root.symlink("/usr/local/bin/ansible", f"{venv}/bin/ansible")
    expected = broken(venv, "/opt/pipx", pipx_installed=True)
    [keep, _] = expected["repair"]
    assert doctor(root) == [{**expected, "repair": [keep, (
        "env PIPX_HOME=/opt/pipx PIPX_BIN_DIR=/usr/local/bin /usr/bin/pipx reinstall --python "
        "/usr/bin/python3 ansible-core", "have pipx make ansible-core anew with Debian's "
        "python3, from its own record of what it installed")]}]


def test_her_app_in_roots_pipx_home_gets_no_repair(tmp_path, doctor):
    """Her venv in root's /opt/pipx/venvs: pipx run as her cannot write root's home, and run
    as root it would act on her tree."""
    root = FakeRoot.trixie(tmp_path / "root")
    root.mkdir("/usr/lib/python3.13/ensurepip")
    root.passwd([("alice", 1000, "/home/alice")])
    venv = pipx_app(root, "/opt/pipx", "httpie")
    chown_tree(root, venv, 1000)
    [found] = doctor(root)
    assert found == {**broken(venv, "/opt/pipx"), "repair": [],
                     "detail": broken(venv, "/opt/pipx")["detail"] + (
                         " pyguard offers no repair: the app's directories and pipx's home "
                         "/opt/pipx are not one user's alone, so no single user can have pipx "
                         "make it anew")}


def test_a_venv_in_a_venvs_directory_without_pipxs_record_is_an_ordinary_venv(tmp_path,
                                                                             doctor):
    root = FakeRoot.trixie(tmp_path / "root")
    root.mkdir("/usr/lib/python3.13/ensurepip")
    make_venv(root, "/srv/venvs/app")
    assert [(f["rule"], f["subject"]) for f in doctor(root)] == [("venv-broken", "/srv/venvs/app")]


def test_roots_app_whose_record_she_can_change_gets_no_repair(tmp_path, doctor):
    """pipx reinstall installs what pipx_metadata.json asks for (a package, a URL, pip's
    arguments): hers in root's venv would choose what root's pip builds."""
    root = FakeRoot.trixie(tmp_path / "root")
    root.mkdir("/usr/lib/python3.13/ensurepip")
    root.install("pipx", version="1.7.1-1", files={"/usr/bin/pipx": "#!/usr/bin/python3\n"})
    root.passwd([("alice", 1000, "/home/alice")])
    venv = pipx_app(root, "/opt/pipx", "ansible-core")
    os.lchown(root.host(f"{venv}/pipx_metadata.json"), 1000, 1000)
    expected = broken(venv, "/opt/pipx", pipx_installed=True)
    assert doctor(root) == [{**expected, "repair": [], "detail": expected["detail"] + (
        " pyguard offers no repair: alice can change what pipx would read and run to make it "
        "anew (its record in the venv, pipx's home or its shared pip), as root")}]
