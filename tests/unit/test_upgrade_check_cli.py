"""`pyguard upgrade-check` and the apt pre-invoke hook before a release upgrade: whole outputs,
exit codes, the snapshots recorded and where."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fakeroot_upgrade import bookworm_lists, jammy, noble_lists, trixie_lists
from fakeroot_venvs import make_venv, pipx_app
from pyguard.cli import main
from pyguard.facts.snapshots import snapshot_dir, snapshot_name

SRC = str(Path(__file__).resolve().parents[2] / "src")
LOCAL = "/usr/local/lib/python3.11/dist-packages"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("PYGUARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PYGUARD_CONFIG", str(tmp_path / "empty.conf"))
    monkeypatch.delenv("PYGUARD_VENV_ROOTS", raising=False)
    (tmp_path / "empty.conf").write_text("")


def pyguard(*args):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM", "COLUMNS")}
    env["PYTHONPATH"] = SRC
    return subprocess.run([sys.executable, "-m", "pyguard", *args], capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.fixture
def eve(fake_root):
    """bookworm on the eve of the upgrade: a venv, pip's attrs in /usr/local, trixie's lists."""
    make_venv(fake_root, "/srv/app", packages=[("six", "1.17.0", ["six"])])
    fake_root.install("python3-venv", version="3.11.2-1+b1", depends="python3.11-venv")
    fake_root.pip_install(LOCAL, "attrs", "24.2.0", top_level=["attr", "attrs"],
                          scripts={"attrtool": "#!/usr/bin/python3\n"})
    trixie_lists(fake_root)
    return fake_root


@pytest.fixture
def short_state(monkeypatch):
    """A state dir whose path has one length, so that the prose naming it wraps the same way."""
    import shutil
    import tempfile

    state = tempfile.mkdtemp(prefix="pg-state-", dir="/tmp")
    monkeypatch.setenv("PYGUARD_STATE_DIR", state)
    yield state
    shutil.rmtree(state)


def test_text_says_what_breaks_what_is_safe_and_where_the_snapshots_are(eve, short_state):
    root = os.path.realpath(str(eve))
    where = snapshot_dir(short_state, root)
    day = time.strftime("%Y-%m-%d")
    result = pyguard("upgrade-check", "--root", root)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout == f"""\
pyguard upgrade-check: {root} (Debian 12 (bookworm), default Python 3.11) -> Debian 13 (trixie), default Python 3.13, as its apt lists say (python3 3.13.5-1)
What will break: 2 findings.

WARNING virtual environment /srv/app will break at the upgrade to Debian 13 (trixie)  [upgrade-venv]
  /srv/app was made with Python 3.11.2, and /srv/app/bin/python3 leads to /usr/bin/python3,
  which will run Python 3.13; that does not look in /srv/app/lib/python3.11/site-packages.
  Programs run from it will no longer find what it holds: six 1.17.0. What it holds was recorded
  on {day} in {where}. After the upgrade, `pyguard
  fix` (rule venv-broken) moves it aside and makes it anew with Python 3.13, as its owner, with
  the same projects at the same versions.
  More: pyguard explain upgrade-venv

WARNING pip's projects in {LOCAL} will vanish from python3's sys.path at the upgrade to Debian 13 (trixie)  [upgrade-site]
  python3 will run Python 3.13, which does not read {LOCAL}:
  programs run with python3 will no longer find attrs 24.2.0. Programs pip wrote for them:
  /usr/local/bin/attrtool (runs /usr/bin/python3). What pip installed there was recorded on
  {day} in {where}. After the upgrade, `pyguard fix`
  (rule orphaned-site) moves them aside and installs the same projects at the same versions in
  the virtual environment /opt/venvs/usr-local-python3.11, never into the system interpreter;
  their programs are linked back where they were.
  More: pyguard explain upgrade-site

Safe
  Debian packages with Python modules:
    python3-apt, python3-gi, python3-requests, python3-six, python3-urllib3: Debian 13 (trixie)
      has it: apt upgrades it with the rest

Snapshots: what 1 venv and 1 pip installation hold is recorded in
  {where}; after the upgrade, `pyguard fix` rebuilds from
  it.
"""
    assert sorted(os.listdir(where)) == sorted(snapshot_name(p) for p in ("/srv/app", LOCAL))


def test_json_carries_the_upgrade_the_safe_list_and_the_snapshots(eve, tmp_path):
    root = os.path.realpath(str(eve))
    result = pyguard("upgrade-check", "--root", root, "--format", "json", "--no-record")
    data = json.loads(result.stdout)
    assert (result.returncode, data["command"], data["status"], data["exit_code"],
            [f["rule"] for f in data["findings"]], data["snapshots"]) == (
        1, "upgrade-check", "warning", 1, ["upgrade-venv", "upgrade-site"], None)
    assert data["upgrade"] == {
        "from": "python3.11", "to": "python3.13", "release": "Debian 13 (trixie)",
        "codename": "trixie", "source": "apt lists", "python3": "3.13.5-1",
        "evidence": ["/var/lib/apt/lists/deb.debian.org_debian_dists_trixie_main_binary-amd64_"
                     "Packages"]}
    assert data["safe"][0] == {"kind": "package", "subject": "python3-apt",
                               "why": "Debian 13 (trixie) has it: apt upgrades it with the rest"}
    assert not os.path.exists(tmp_path / "state")


def test_nothing_ahead_is_one_calm_line_and_records_nothing(fake_root, tmp_path):
    bookworm_lists(fake_root)
    root = os.path.realpath(str(fake_root))
    result = pyguard("upgrade-check", "--root", root)
    assert (result.returncode, result.stdout, result.stderr) == (0, (
        f"pyguard upgrade-check: {root} (Debian 12 (bookworm), default Python 3.11): no release "
        "upgrade ahead. The apt lists describe this release's own python3; after pointing the "
        "sources at the next release and `apt update` (or with --to CODENAME), this says what "
        "moving to its Python breaks.\n"), "")
    assert not os.path.exists(tmp_path / "state")


@pytest.mark.parametrize("to, message", [
    ("sid", "--to sid: no such release in pyguard's release table (known: bullseye, bookworm, "
            "trixie, forky, focal, jammy, noble)"),
    ("noble", "--to noble: Ubuntu 24.04 (noble) is not a release of debian"),
    ("bullseye", "--to bullseye: Debian 11 (bullseye) does not follow bookworm"),
])
def test_a_release_to_look_ahead_to_must_follow_this_one(fake_root, to, message):
    result = pyguard("upgrade-check", "--root", str(fake_root), "--to", to)
    assert (result.returncode, result.stdout, result.stderr) == (
        3, "", f"pyguard upgrade-check: {message}\n")
    data = json.loads(pyguard("upgrade-check", "--root", str(fake_root), "--to", to,
                              "--format", "json").stdout)
    assert (data["exit_code"], data["errors"], data["upgrade"]) == (
        3, [{"code": "usage", "message": message}], None)


def test_to_looks_ahead_without_changed_sources(fake_root):
    fake_root.install("python3-lib2to3", arch="all", version="3.11.2-3",
                      depends="python3:any (<< 3.12)",
                      files={"/usr/lib/python3.11/lib2to3/__init__.py": ""})
    bookworm_lists(fake_root)
    data = json.loads(pyguard("upgrade-check", "--root", str(fake_root), "--to", "trixie",
                              "--format", "json", "--no-record").stdout)
    assert [(f["rule"], f["subject"], f["detail"]) for f in data["findings"]] == [(
        "upgrade-dropped-package", "python3-lib2to3",
        "Debian 13 (trixie) no longer has python3-lib2to3 (pyguard's release table lists it as "
        "dropped): apt removes it at the upgrade (it needs python3:any (<< 3.12)); Python 3.13 "
        "does not look in /usr/lib/python3.11, so import lib2to3 fails.")]
    assert data["upgrade"]["source"] == "release table"


def test_jammy_to_noble_names_ubuntus_release_and_keeps_the_deadsnakes_venv(tmp_path):
    root = jammy(tmp_path / "root")
    make_venv(root, "/srv/app", version="3.10.12", packages=[("six", "1.17.0", ["six"])])
    make_venv(root, "/srv/tool", version="3.12.7", caller="/usr/bin/python3.12")
    noble_lists(root)
    data = json.loads(pyguard("upgrade-check", "--root", str(root), "--format", "json",
                              "--no-record").stdout)
    assert (data["host"]["default_python"], data["upgrade"]["to"],
            [(f["rule"], f["subject"]) for f in data["findings"]]) == (
        "python3.10", "python3.12",
        [("upgrade-venv", "/srv/app"), ("upgrade-dropped-package", "python3-distutils")])
    assert [s for s in data["safe"] if s["kind"] == "venv"] == [{
        "kind": "venv", "subject": "/srv/tool",
        "why": "it runs Python 3.12 already, the default of Ubuntu 24.04 (noble)"}]


# -- the apt hook ---------------------------------------------------------------------------


def hook(capsys, root) -> str:
    assert main(["hooks", "pre-invoke", "--root", str(root)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    return err


def hook_text(root: str, where: str, pipx: str = "") -> str:
    """What the hook says on the eve's root (and of a pipx app there)."""
    return (
        "pyguard: the apt lists describe Debian 13 (trixie): when this run upgrades python3, "
        "Python 3.11 gives way to 3.13, and this breaks:\n"
        "  virtual environment /srv/app will break at the upgrade to Debian 13 (trixie)  "
        "[upgrade-venv]\n"
        + pipx +
        f"  pip's projects in {LOCAL} will vanish from python3's sys.path at the upgrade to "
        "Debian 13 (trixie)  [upgrade-site]\n"
        f"  What they hold is recorded in {where}; after the upgrade, `pyguard fix` rebuilds "
        "them from there.\n"
        f"  More: pyguard upgrade-check --root {root}. To silence this check: [hooks] apt = no "
        "in /etc/pyguard/pyguard.conf.\n")


def test_the_pre_invoke_hook_warns_and_records_before_the_upgrade(capsys, eve, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    root = os.path.realpath(str(eve))
    where = snapshot_dir(str(tmp_path / "state"), root)
    assert hook(capsys, root) == hook_text(root, where)
    assert sorted(os.listdir(where)) == sorted(snapshot_name(p) for p in ("/srv/app", LOCAL))


def test_a_pipx_app_is_foretold_by_the_hook_and_upgrade_check(capsys, eve, tmp_path,
                                                               monkeypatch):
    """Both ran their own list of rules, which upgrade-pipx-app was not on."""
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    pipx_app(eve, "/root/.local/pipx", "httpie")
    root = os.path.realpath(str(eve))
    where = snapshot_dir(str(tmp_path / "state"), root)
    assert hook(capsys, root) == hook_text(
        root, where, "  pipx's app httpie will break at the upgrade to Debian 13 (trixie)  "
                     "[upgrade-pipx-app]\n")
    result = pyguard("upgrade-check", "--root", root, "--format", "json", "--no-record")
    assert [(f["rule"], f["subject"]) for f in json.loads(result.stdout)["findings"]] == [
        ("upgrade-venv", "/srv/app"),
        ("upgrade-pipx-app", "/root/.local/pipx/venvs/httpie"),
        ("upgrade-site", LOCAL)]


def test_the_hook_is_silent_without_an_upgrade_ahead_and_once_python3_moved(capsys, eve,
                                                                           monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    bookworm_lists(eve)
    assert hook(capsys, eve) == ""
    trixie_lists(eve)
    eve.write("/usr/bin/python3.13", b"\x7fELF")
    eve.symlink("/usr/bin/python3", "python3.13")  # a later dpkg run of the same upgrade
    assert "release upgrade" not in hook(capsys, eve)


def test_the_hooks_upgrade_check_failing_is_one_line_and_apt_goes_on(capsys, eve, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    from pyguard.apthooks import upgrade

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(upgrade, "warning", broken)
    assert hook(capsys, eve) == ("pyguard: apt hook could not check the release upgrade ahead: "
                                 "RuntimeError: boom (pyguard upgrade-check says more)\n")


def test_an_acknowledged_prediction_is_not_spoken_of_by_the_hook(capsys, eve, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    config = tmp_path / "pyguard.conf"
    config.write_text("[ack]\nupgrade-venv /srv/app = rebuilt by our deploy tool\n")
    monkeypatch.setenv("PYGUARD_CONFIG", str(config))
    lines = hook(capsys, eve).splitlines()
    assert [line for line in lines if "[upgrade-" in line] == [
        f"  pip's projects in {LOCAL} will vanish from python3's sys.path at the upgrade to "
        "Debian 13 (trixie)  [upgrade-site]"]


def test_only_what_was_recorded_is_said_to_be(eve, tmp_path):
    """A site of a Python already gone (3.9) is not recorded: orphaned-site reads it as is."""
    eve.pip_install("/usr/local/lib/python3.9/dist-packages", "six", "1.16.0", ["six"])
    data = json.loads(pyguard("upgrade-check", "--root", str(eve), "--format", "json").stdout)
    assert data["snapshots"]["recorded"] == ["/srv/app", LOCAL]
    assert [s for s in data["safe"] if s["kind"] == "site"] == [{
        "kind": "site", "subject": "/usr/local/lib/python3.9/dist-packages",
        "why": "Python 3.9 is the default neither before nor after the upgrade"}]
