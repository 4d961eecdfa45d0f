"""upgrade-venv: venvs the release upgrade ahead breaks, once the apt lists describe it."""

import os

import pytest

from fakeroot import ELF
from fakeroot_upgrade import bookworm_lists, trixie_lists
from fakeroot_venvs import make_venv
from pyguard.facts.snapshots import snapshot_dir

SIX = [("six", "1.17.0", ["six"])]
REBUILT = ("After the upgrade, `pyguard fix` (rule venv-broken) moves it aside and makes it anew "
           "with Python 3.13, as its owner, with the same projects at the same versions.")
ENSUREPIP = ("apt-get install -y python3-venv",
             "the rebuild after the upgrade needs ensurepip, which python3-venv ships")


pytestmark = pytest.mark.usefixtures("default_venv_roots")


def unrecorded(root, tmp_path) -> str:
    where = snapshot_dir(str(tmp_path / "state"), os.path.realpath(str(root)))
    return (f"What it holds is not recorded yet: `pyguard upgrade-check` (or the daily `pyguard "
            f"report`) records it in {where}.")


def breaks(venv, when, why, held, snapshot, repair=(ENSUREPIP,), after=REBUILT):
    return {
        "rule": "upgrade-venv",
        "severity": "warning",
        "title": f"virtual environment {venv} will break {when}",
        "detail": f"{venv} was made with Python 3.11.2, and {why}. Programs run from it will no "
                  f"longer find what it holds: {held}. "
                  + " ".join(sentence for sentence in (snapshot, after) if sentence),
        "subject": venv,
        "paths": [f"{venv}/pyvenv.cfg", f"{venv}/bin/python3"],
        "repair": list(repair),
    }


def test_nothing_is_ahead_while_the_lists_describe_this_release(fake_root, doctor):
    make_venv(fake_root, "/srv/app", packages=SIX)
    bookworm_lists(fake_root)
    assert doctor(fake_root, only=["upgrade-venv"]) == []


def test_a_venv_made_with_python3_breaks_at_the_upgrade(fake_root, doctor, tmp_path):
    make_venv(fake_root, "/srv/app", packages=SIX)
    trixie_lists(fake_root)
    assert doctor(fake_root) == [breaks(
        "/srv/app", "at the upgrade to Debian 13 (trixie)",
        "/srv/app/bin/python3 leads to /usr/bin/python3, which will run Python 3.13; that does not "
        "look in /srv/app/lib/python3.11/site-packages", "six 1.17.0",
        unrecorded(fake_root, tmp_path))]


def test_a_venv_of_python3_11_itself_breaks_when_the_old_interpreter_goes(fake_root, doctor,
                                                                           tmp_path):
    """Debian 13 keeps python3.11 installed at the upgrade, without updates."""
    make_venv(fake_root, "/srv/pinned", caller="/usr/bin/python3.11", packages=SIX)
    fake_root.install("python3-venv", version="3.11.2-1+b1", depends="python3.11-venv")
    trixie_lists(fake_root)
    assert doctor(fake_root) == [breaks(
        "/srv/pinned", "when python3.11 is removed",
        "it runs Debian's /usr/bin/python3.11, which Debian 13 (trixie) no longer has: apt keeps "
        "it installed, without updates, until it is removed (apt autoremove), and then the venv "
        "has no interpreter", "six 1.17.0", unrecorded(fake_root, tmp_path), repair=())]


def test_a_venv_of_poetrys_is_left_to_poetry_after_the_upgrade(fake_root, doctor):
    """poetry names its venvs after their Python: it makes shop-Xy9_-py3.13 itself."""
    fake_root.passwd([("alice", 1000, "/home/alice")])
    venv = "/home/alice/.cache/pypoetry/virtualenvs/shop-Xy9_-py3.11"
    make_venv(fake_root, venv, packages=SIX)
    trixie_lists(fake_root)
    assert doctor(fake_root) == [breaks(
        venv, "at the upgrade to Debian 13 (trixie)",
        f"{venv}/bin/python3 leads to /usr/bin/python3, which will run Python 3.13; that does not "
        f"look in {venv}/lib/python3.11/site-packages", "six 1.17.0", "", repair=(),
        after="After the upgrade, `pyguard fix` (rule venv-broken) moves it aside, and poetry "
              "makes /home/alice/.cache/pypoetry/virtualenvs/shop-Xy9_-py3.13 itself at the "
              "next `poetry install` in the project.")]


def test_venvs_of_other_interpreters_and_broken_venvs_are_not_predictions(fake_root, doctor):
    fake_root.write("/usr/local/bin/python3.11", ELF)
    fake_root.write("/usr/local/lib/python3.11/os.py", "")
    make_venv(fake_root, "/srv/own-build", caller="/usr/local/bin/python3.11", packages=SIX)
    make_venv(fake_root, "/srv/gone", caller="/opt/python3.10/bin/python3.10", version="3.10.13")
    fake_root.mkdir("/usr/lib/python3.11/ensurepip")
    trixie_lists(fake_root)
    assert [(f["rule"], f["subject"]) for f in doctor(fake_root)] == [
        ("venv-broken", "/srv/gone")]


def test_a_recorded_venv_says_when_and_where(fake_root, doctor, tmp_path):
    from pyguard.facts.dpkg import DpkgDatabase
    from pyguard.facts.venvs import find_venvs
    from pyguard.report.snapshots import record
    from pyguard.rootfs import RootFS

    make_venv(fake_root, "/srv/app", packages=SIX)
    fake_root.install("python3-venv", version="3.11.2-1+b1", depends="python3.11-venv")
    fs = RootFS(str(fake_root))
    where = snapshot_dir(str(tmp_path / "state"), fs.root)
    record(fs, find_venvs(fs, DpkgDatabase(fs), ["/srv"]), where, fs.root,
           now=1796083200.0)  # 2026-12-01, UTC
    trixie_lists(fake_root)
    day = __import__("time").strftime("%Y-%m-%d", __import__("time").localtime(1796083200.0))
    assert doctor(fake_root) == [breaks(
        "/srv/app", "at the upgrade to Debian 13 (trixie)",
        "/srv/app/bin/python3 leads to /usr/bin/python3, which will run Python 3.13; that does not "
        "look in /srv/app/lib/python3.11/site-packages", "six 1.17.0",
        f"What it holds was recorded on {day} in {where}.", repair=())]
