"""upgrade-site: what pip installed outside venvs for the Python the upgrade replaces."""

import os

import pytest

from fakeroot_upgrade import jammy, noble_lists, trixie_lists
from pyguard.facts.snapshots import snapshot_dir

LOCAL = "/usr/local/lib/python3.11/dist-packages"
ALICE = "/home/alice/.local/lib/python3.11/site-packages"
ENSUREPIP = ("apt-get install -y python3-venv",
             "the venv made after the upgrade needs ensurepip, which python3-venv ships")


@pytest.fixture(autouse=True)
def _state(monkeypatch, tmp_path):
    monkeypatch.setenv("PYGUARD_STATE_DIR", str(tmp_path / "state"))


def unrecorded(root, tmp_path) -> str:
    where = snapshot_dir(str(tmp_path / "state"), os.path.realpath(str(root)))
    return (f"What pip installed there is not recorded yet: `pyguard upgrade-check` (or the "
            f"daily `pyguard report`) records it in {where}.")


def vanishes(site, projects, programs, extra, snapshot, venv, paths, python="3.11",
             target="3.13", release="Debian 13 (trixie)", repair=(ENSUREPIP,)):
    links = "; their programs are linked back where they were." if programs else "."
    return {
        "rule": "upgrade-site",
        "severity": "warning",
        "title": f"pip's projects in {site} will vanish from python3's sys.path at the upgrade to "
                 f"{release}",
        "detail": f"python3 will run Python {target}, which does not read {site}: programs run "
                  f"with python3 will no longer find {projects}.{programs}{extra} {snapshot} "
                  "After the upgrade, `pyguard fix` (rule orphaned-site) moves them aside and "
                  "installs the same projects at the same versions in the virtual environment "
                  f"{venv}, never into the system interpreter{links}",
        "subject": site,
        "paths": paths,
        "repair": list(repair),
    }


def test_usr_local_and_a_users_site_vanish_with_their_programs(fake_root, doctor, tmp_path):
    fake_root.passwd([("alice", 1000, "/home/alice")])
    fake_root.pip_install(LOCAL, "attrs", "24.2.0", top_level=["attr", "attrs"])
    fake_root.pip_install(LOCAL, "localtool", "1.0", top_level=["localtool"],
                          scripts={"localtool": "#!/usr/bin/python3\nimport localtool\n"})
    fake_root.pip_install(LOCAL, "fast", "2.0", top_level=["fast"],
                          files={"fast/__init__.py": "", "fast/_speed.cpython-311-x86_64-linux-gnu.so": "ELF"})
    fake_root.pip_install(ALICE, "alicetool", "1.0", top_level=["alicetool"],
                          scripts={"alicetool": "#!/usr/bin/env python3\n"})
    trixie_lists(fake_root)
    snapshot = unrecorded(fake_root, tmp_path)
    assert doctor(fake_root, only=["upgrade-site"]) == [
        vanishes(ALICE, "alicetool 1.0",
                 " Programs pip wrote for them: /home/alice/.local/bin/alicetool (runs python3).",
                 "", snapshot, "/home/alice/.venvs/user-site-python3.11",
                 ["/home/alice/.local/bin/alicetool"]),
        vanishes(LOCAL, "attrs 24.2.0, fast 2.0, localtool 1.0",
                 " Programs pip wrote for them: /usr/local/bin/localtool (runs /usr/bin/python3).",
                 " Compiled for Python 3.11 only: _speed.cpython-311-x86_64-linux-gnu.so.",
                 snapshot, "/opt/venvs/usr-local-python3.11", ["/usr/local/bin/localtool"]),
    ]


def test_jammy_to_noble_a_deadsnakes_site_comes_before_debians(tmp_path, doctor):
    """The deadsnakes python3.12 was never the default; after the upgrade Ubuntu's is 3.12."""
    root = jammy(tmp_path / "root")
    root.pip_install("/usr/local/lib/python3.10/dist-packages", "attrs", "24.2.0",
                     top_level=["attr", "attrs"])
    root.pip_install("/usr/local/lib/python3.12/dist-packages", "requests", "2.32.3",
                     top_level=["requests"])
    assert doctor(root, only=["upgrade-site"]) == []
    noble_lists(root)
    site10, site12 = ("/usr/local/lib/python3.10/dist-packages",
                      "/usr/local/lib/python3.12/dist-packages")
    where = snapshot_dir(str(tmp_path / "state"), os.path.realpath(str(root)))
    assert doctor(root, only=["upgrade-site"]) == [
        vanishes(site10, "attrs 24.2.0", "", "", unrecorded(root, tmp_path),
                 "/opt/venvs/usr-local-python3.10", [site10], target="3.12",
                 release="Ubuntu 24.04 (noble)", repair=()),
        {"rule": "upgrade-site", "severity": "warning",
         "title": f"pip's projects in {site12} will come before Debian's own on python3's "
                  "sys.path at the upgrade to Ubuntu 24.04 (noble)",
         "detail": f"python3 will run Python 3.12 and read {site12} before Debian's packages, "
                   "which the upgrade replaces: every program run with python3, Debian's tools "
                   f"included, will import requests 2.32.3 from there. What pip installed there is not recorded yet: `pyguard "
                   f"upgrade-check` (or the daily `pyguard report`) records it in {where}. After "
                   "the upgrade, pip-in-usr-local and shadowed-debian-module move them aside; "
                   "install what you need in a virtual environment before.",
         "subject": site12, "paths": [site12], "repair": []},
    ]
