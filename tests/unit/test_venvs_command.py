"""`pyguard venvs`: the table of virtual environments, its JSON, its roots and exit codes."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fakeroot import FakeRoot
from fakeroot_venvs import make_venv

SRC = str(Path(__file__).resolve().parents[2] / "src")
BROKEN = ("/srv/app/bin/python3 now runs Python 3.13 (/usr/bin/python3.13), which does not look "
          "in /srv/app/lib/python3.11/site-packages")
DEFAULT_ROOTS = "/srv, /opt, /home, /root, /var/www"


def pyguard(*args, env=None):
    environ = {k: v for k, v in os.environ.items()
               if k not in ("NO_COLOR", "TERM", "PYGUARD_RULES", "PYGUARD_VENV_ROOTS")}
    environ["PYTHONPATH"] = SRC + os.pathsep + environ.get("PYTHONPATH", "")
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "pyguard", *args], capture_output=True,
                          text=True, env=environ, timeout=60)


@pytest.fixture
def upgraded(tmp_path):
    """A trixie root with a venv from bookworm (broken) and one made on trixie (fine)."""
    root = FakeRoot.trixie(tmp_path / "root")
    make_venv(root, "/srv/app", packages=[("six", "1.17.0", ["six"])])
    make_venv(root, "/opt/tool", version="3.13.5", provided=[("pip", "25.1.1")],
              packages=[("attrs", "24.2.0", ["attr", "attrs"])])
    return root


def test_plain_table_of_a_broken_and_a_working_venv_exits_1(upgraded):
    result = pyguard("venvs", "--root", str(upgraded))
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.split("\n") == [
        "VENV       PYTHON  INTERPRETER          PACKAGES  HEALTH",
        "/opt/tool  3.13.5  /usr/bin/python3.13         2  ok",
        f"/srv/app   3.11.2  /usr/bin/python3.13         3  broken: {BROKEN}",
        "",
        f"pyguard venvs: 2 found under {DEFAULT_ROOTS}, 1 broken; "
        "`pyguard doctor --only venv-broken` prints the repairs.",
        "",
    ]
    assert "\x1b[" not in result.stdout


def test_only_working_venvs_exit_0(fake_root):
    make_venv(fake_root, "/home/app/venv")
    result = pyguard("venvs", "--root", str(fake_root))
    assert (result.returncode, result.stdout.split("\n")[1:]) == (0, [
        "/home/app/venv  3.11.2  /usr/bin/python3.11         2  ok",
        "",
        f"pyguard venvs: 1 found under {DEFAULT_ROOTS}, all ok.",
        "",
    ])


def test_no_venvs(fake_root):
    result = pyguard("venvs", "--root", str(fake_root))
    assert (result.returncode, result.stdout) == (
        0, f"pyguard venvs: no virtual environments under {DEFAULT_ROOTS}.\n")


def test_venv_root_options_replace_the_default_roots(upgraded):
    upgraded.mkdir("/var/lib/x")
    make_venv(upgraded, "/var/lib/x/env", version="3.13.5", provided=[])
    result = pyguard("venvs", "--root", str(upgraded), "--venv-root", "/var/lib",
                     "--venv-root", "/opt", "--format", "json")
    data = json.loads(result.stdout)
    assert (result.returncode, data["roots"], [v["path"] for v in data["venvs"]]) == (
        0, ["/var/lib", "/opt"], ["/opt/tool", "/var/lib/x/env"])


def test_a_relative_venv_root_is_bad_usage(upgraded):
    """It would name nothing in the root (and `[venvs] roots` refuses the same)."""
    result = pyguard("venvs", "--root", str(upgraded), "--venv-root", "opt")
    assert (result.returncode, result.stdout, result.stderr) == (
        3, "", "pyguard venvs: argument --venv-root: 'opt' is relative: a path inside the "
               "examined root starts with /\n")


def test_roots_from_the_environment(upgraded):
    result = pyguard("venvs", "--root", str(upgraded), env={"PYGUARD_VENV_ROOTS": "/opt:/nowhere"})
    assert result.stdout.split("\n")[-2] == "pyguard venvs: 1 found under /opt, /nowhere, all ok."


def test_json(upgraded):
    result = pyguard("venvs", "--root", str(upgraded), "--format", "json")
    data = json.loads(result.stdout)
    assert result.returncode == 1
    assert data == {
        "schema": "pyguard/1",
        "tool": {"name": "pyguard", "version": data["tool"]["version"]},
        "command": "venvs",
        "root": str(upgraded),
        "roots": ["/srv", "/opt", "/home", "/root", "/var/www"],
        "status": "warning",
        "exit_code": 1,
        "venvs": [
            {"path": "/opt/tool", "python": "3.13.5", "interpreter": "/usr/bin/python3.13",
             "runs": "python3.13", "health": "ok", "problem": "", "system_site_packages": False,
             "managed_by": "",
             "packages": [{"name": "attrs", "version": "24.2.0", "installer": "pip"},
                          {"name": "pip", "version": "25.1.1", "installer": "pip"}]},
            {"path": "/srv/app", "python": "3.11.2", "interpreter": "/usr/bin/python3.13",
             "runs": "python3.13", "health": "broken", "problem": BROKEN,
             "system_site_packages": False, "managed_by": "",
             "packages": [{"name": "pip", "version": "23.0.1", "installer": "pip"},
                          {"name": "setuptools", "version": "66.1.1", "installer": "pip"},
                          {"name": "six", "version": "1.17.0", "installer": "pip"}]},
        ],
        "errors": [],
        "notes": [],
    }


def test_missing_root_exits_3_with_an_envelope(tmp_path):
    missing = str(tmp_path / "nowhere")
    result = pyguard("venvs", "--root", missing, "--format", "json")
    data = json.loads(result.stdout)
    assert (result.returncode, data["status"], data["errors"]) == (
        3, "unknown", [{"code": "bad-root", "message": f"--root {missing}: no such directory"}])
    text = pyguard("venvs", "--root", missing)
    assert (text.returncode, text.stdout, text.stderr) == (
        3, "", f"pyguard: --root {missing}: no such directory\n")


def test_rich_table_shows_whole_paths(upgraded):
    from pyguard.commands.venvs import venv_rows
    from pyguard.facts.dpkg import DpkgDatabase
    from pyguard.facts.venvs import find_venvs
    from pyguard.render.venvs import rich_table
    from pyguard.rootfs import RootFS

    fs = RootFS(str(upgraded))
    out = io.StringIO()
    rich_table(venv_rows(find_venvs(fs, DpkgDatabase(fs), ["/srv", "/opt"])), ["/srv", "/opt"],
               [], out)
    text = out.getvalue()
    assert "┃ VENV" in text and "│ /opt/tool " in text and "…" not in text
    assert "│ broken: " in text and "1 broken;" in text


def test_venv_roots_precedence():
    from pyguard.facts.venvs import venv_roots

    env = {"PYGUARD_VENV_ROOTS": "/a:/b"}
    assert venv_roots(["/cli"], ["/conf"], env) == ("/cli",)
    assert venv_roots([], ["/conf"], env) == ("/a", "/b")
    assert venv_roots([], ["/conf"], {}) == ("/conf",)
    assert venv_roots([], None, {"PYGUARD_VENV_ROOTS": ""}) == (
        "/srv", "/opt", "/home", "/root", "/var/www")


def test_a_huge_tree_is_looked_at_only_so_far_and_says_so(fake_root, monkeypatch):
    from pyguard.facts import venvs
    from pyguard.facts.dpkg import DpkgDatabase
    from pyguard.rootfs import Note, RootFS

    for i in range(12):
        fake_root.mkdir(f"/srv/d{i:02}")
    make_venv(fake_root, "/srv/zz/venv")
    monkeypatch.setattr(venvs, "MAX_DIRS", 10)
    fs = RootFS(str(fake_root))
    assert (venvs.find_venvs(fs, DpkgDatabase(fs), ["/srv"]), fs.notes) == ((), [Note(
        "too-many-dirs", "/srv", "looked at 10 directories for virtual environments, not further")])


def test_pipxs_venvs_are_marked_and_the_summary_names_the_rule_that_repairs_them(upgraded):
    """pipx's own shared venv is not listed, in the home pipx 1.1 used (which the search reaches)
    as in the one of pipx 1.3 and later: pipx remakes it itself."""
    from fakeroot_venvs import pipx_app

    pipx_app(upgraded, "/root/.local/pipx", "black")
    upgraded.remove("/root/.local/pipx/venvs/black")
    app = pipx_app(upgraded, "/root/.local/share/pipx", "httpie")
    result = pyguard("venvs", "--root", str(upgraded))
    assert (result.returncode, result.stdout.split("\n")) == (1, [
        "VENV                                         PYTHON  INTERPRETER          PACKAGES  HEALTH",
        "/opt/tool                                    3.13.5  /usr/bin/python3.13         2  ok",
        f"{app} (pipx)  3.11.2  /usr/bin/python3.13         1  broken: {app}/bin/python3 now "
        "runs Python 3.13 (/usr/bin/python3.13), which does not look in "
        f"{app}/lib/python3.11/site-packages",
        f"/srv/app                                     3.11.2  /usr/bin/python3.13         3  "
        f"broken: {BROKEN}",
        "",
        f"pyguard venvs: 3 found under {DEFAULT_ROOTS}, 2 broken; `pyguard doctor --only "
        "venv-broken --only pipx-app-broken` prints the repairs.",
        "",
    ])


def test_uvs_tools_are_marked_and_one_installed_again_in_place_is_ok(upgraded):
    """uv leaves pyvenv.cfg naming 3.11.2 when it installs a tool again for 3.13 (facts.uv)."""
    from fakeroot_venvs import uv_tool

    ruff = uv_tool(upgraded, "/root", "ruff")
    black = uv_tool(upgraded, "/root", "black")
    upgraded.pip_install(f"{black}/lib/python3.13/site-packages", "black", "1.0",
                         top_level=["black"], installer="uv", python="3.13")
    result = pyguard("venvs", "--root", str(upgraded))
    assert (result.returncode, result.stdout.split("\n")) == (1, [
        "VENV                                    PYTHON  INTERPRETER          PACKAGES  HEALTH",
        "/opt/tool                               3.13.5  /usr/bin/python3.13         2  ok",
        f"{black} (uv)  3.11.2  /usr/bin/python3.13         1  ok",
        f"{ruff} (uv)   3.11.2  /usr/bin/python3.13         1  broken: {ruff}/bin/python3 now "
        "runs Python 3.13 (/usr/bin/python3.13), which does not look in "
        f"{ruff}/lib/python3.11/site-packages",
        f"/srv/app                                3.11.2  /usr/bin/python3.13         3  "
        f"broken: {BROKEN}",
        "",
        f"pyguard venvs: 4 found under {DEFAULT_ROOTS}, 2 broken; `pyguard doctor --only "
        "venv-broken --only uv-tool-broken` prints the repairs.",
        "",
    ])
