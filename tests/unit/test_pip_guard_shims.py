"""`pyguard guard install|uninstall|status` on a root in tmp_path."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pyguard.cli import main
from pyguard.guard import shims


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/local/sbin").mkdir(parents=True)
    for name in ("python3.11", "python3.13"):
        (root / "usr/bin" / name).write_bytes(b"\x7fELF")
    (root / "usr/bin/python3").symlink_to("python3.11")
    (root / "usr/bin/python3.11-config").write_text("")
    (root / "usr/local/sbin/other-tool").write_text("#!/bin/sh\n")
    return root


def snapshot(directory: Path):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_shim_names(root):
    assert shims.shim_names(str(root)) == ["pip", "pip3", "pip3.11", "pip3.13"]


def test_install_records_what_it_placed_and_uninstall_removes_exactly_that(root, capsys):
    before = snapshot(root / "usr/local/sbin")
    assert main(["guard", "install", "--root", str(root), "--interpreter", "/usr/bin/python3",
                 "--pythonpath", "/opt/pyguard/src"]) == 0
    assert capsys.readouterr().out == (
        "placed   /usr/local/sbin/pip\nplaced   /usr/local/sbin/pip3\n"
        "placed   /usr/local/sbin/pip3.11\nplaced   /usr/local/sbin/pip3.13\n"
        "recorded in /var/lib/pyguard/guard.json\n")
    shim = root / "usr/local/sbin/pip3.11"
    assert shim.read_text().splitlines()[:6] == [
        "#!/usr/bin/python3 -IS",
        "# pyguard-pip-shim: `pip3.11` runs through pyguard's pip guard, which refuses to change",
        "# Debian's system Python as root and says what to do instead. Placed by",
        "# `pyguard guard install`; `pyguard guard uninstall` removes it.",
        "import sys",
        "sys.path += ['/opt/pyguard/src']"]
    assert shim.read_text().splitlines()[-1] == "shim('pip3.11', __file__)"
    assert os.stat(shim).st_mode & 0o777 == 0o755
    state = json.loads((root / "var/lib/pyguard/guard.json").read_text())
    assert state["shims"]["/usr/local/sbin/pip3.11"] == {
        "name": "pip3.11", "sha256": hashlib.sha256(shim.read_bytes()).hexdigest()}
    assert state["created_dirs"] == ["/var", "/var/lib", "/var/lib/pyguard"]
    # again: nothing changes
    assert main(["guard", "install", "--root", str(root), "--interpreter", "/usr/bin/python3",
                 "--pythonpath", "/opt/pyguard/src"]) == 0
    assert "kept     /usr/local/sbin/pip (already in place)\n" in capsys.readouterr().out
    assert main(["guard", "uninstall", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "removed  /usr/local/sbin/pip3.13\n" in out
    assert snapshot(root / "usr/local/sbin") == before
    assert not (root / "var/lib/pyguard").exists()


def test_never_overwrites_a_file_it_did_not_place(root, capsys):
    mine = root / "usr/local/sbin/pip3"
    mine.write_text("#!/bin/sh\nexec /opt/pip3 \"$@\"\n")
    assert main(["guard", "install", "--root", str(root), "--interpreter", "/usr/bin/python3"]) == 1
    out = capsys.readouterr().out
    assert ("SKIPPED  /usr/local/sbin/pip3: not placed by pyguard; left alone (move it away and "
            "run `pyguard guard install` again)\n") in out
    assert mine.read_text() == "#!/bin/sh\nexec /opt/pip3 \"$@\"\n"
    assert "/usr/local/sbin/pip3" not in json.loads(
        (root / "var/lib/pyguard/guard.json").read_text())["shims"]
    assert main(["guard", "uninstall", "--root", str(root)]) == 0
    assert mine.exists() and not (root / "usr/local/sbin/pip").exists()


def test_a_changed_shim_is_left_alone(root, capsys):
    main(["guard", "install", "--root", str(root), "--interpreter", "/usr/bin/python3"])
    changed = root / "usr/local/sbin/pip"
    changed.write_text(changed.read_text() + "# local edit\n")
    assert main(["guard", "status", "--root", str(root)]) == 1
    assert "  CHANGED /usr/local/sbin/pip -> real pip: none on PATH\n" in capsys.readouterr().out
    assert main(["guard", "install", "--root", str(root), "--interpreter", "/usr/bin/python3"]) == 1
    assert "SKIPPED  /usr/local/sbin/pip: changed since pyguard placed it; left alone\n" in capsys.readouterr().out
    assert main(["guard", "uninstall", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "KEPT     /usr/local/sbin/pip: changed since pyguard placed it; left alone\n" in out
    assert changed.exists() and not (root / "usr/local/sbin/pip3").exists()
    state = json.loads((root / "var/lib/pyguard/guard.json").read_text())
    assert list(state["shims"]) == ["/usr/local/sbin/pip"]


def test_status(root, capsys):
    assert main(["guard", "status", "--root", str(root)]) == 1
    assert capsys.readouterr().out == "pyguard's guard is not installed (`pyguard guard install` places it)\n"
    (root / "usr/bin/pip3.11").write_text("#!/usr/bin/python3.11\n")
    (root / "usr/bin/pip3.11").chmod(0o755)
    (root / "etc").mkdir()
    (root / "etc/sudoers").write_text(
        'Defaults\tsecure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"\n')
    assert status_after_install(root, capsys) == status_lines(
        {"pip3.11": "/usr/bin/pip3.11"},
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")


def test_install_and_status_read_nothing_outside_the_root(root, tmp_path, capsys):
    """Absolute links in a rescued root lead to the host's files of those names when followed
    on the host: an interpreter, a pip and a sudoers the root does not have. Followed inside
    the root, they lead nowhere; sudoers is read as sudo reads it (#includedir, no dotted
    names)."""
    host = tmp_path / "host"
    host.mkdir()
    (host / "python3.12").write_bytes(b"\x7fELF")
    (host / "pip3.13").write_text("#!/usr/bin/python3.13\n")
    (host / "pip3.13").chmod(0o755)
    (host / "sudoers").write_text('Defaults secure_path="/opt/host/bin"\n')
    (root / "usr/bin/python3.12").symlink_to(host / "python3.12")
    (root / "usr/bin/pip3.13").symlink_to(host / "pip3.13")
    (root / "etc/sudoers.d").mkdir(parents=True)
    (root / "etc/sudoers").write_text("@includedir /etc/sudoers.d\n")
    (root / "etc/sudoers.d/host").symlink_to(host / "sudoers")
    (root / "etc/sudoers.d/old.dpkg-old").write_text('Defaults secure_path="/opt/old/bin"\n')
    (root / "etc/sudoers.d/local").write_text('Defaults secure_path="/usr/local/sbin:/usr/bin"\n')
    assert shims.shim_names(str(root)) == ["pip", "pip3", "pip3.11", "pip3.13"]
    assert status_after_install(root, capsys) == status_lines({}, "/usr/local/sbin:/usr/bin")


def status_after_install(root, capsys):
    """(exit code, output) of `guard status` after `guard install` for /usr/bin/python3."""
    main(["guard", "install", "--root", str(root), "--interpreter", "/usr/bin/python3"])
    capsys.readouterr()
    return main(["guard", "status", "--root", str(root)]), capsys.readouterr().out


def status_lines(real, secure_path):
    """What status says of the four shims, the real pip of each as `real` names it."""
    return 0, "pyguard's guard: 4 shims, run by /usr/bin/python3\n" + "".join(
        f"  ok      /usr/local/sbin/{name} -> real pip: {real.get(name, 'none on PATH')}\n"
        for name in ("pip", "pip3", "pip3.11", "pip3.13")
    ) + f"  sudo secure_path: {secure_path} (ok)\n"


def test_shim_runs_the_guard_and_execs_the_real_pip(tmp_path):
    """A real shim, run as a program: --version reaches the real pip (a stand-in script)."""
    root = tmp_path / "r"
    (root / "usr/bin").mkdir(parents=True)
    code, _ = shims.install(str(root), sys.executable, shims.default_paths())
    assert code == 0
    real = tmp_path / "bin"
    real.mkdir()
    (real / "pip").write_text("#!/bin/sh\necho real pip \"$@\"\nexit 7\n")
    (real / "pip").chmod(0o755)
    env = {"PATH": f"{root}/usr/local/sbin:{real}", "HOME": str(tmp_path)}
    done = subprocess.run([str(root / "usr/local/sbin/pip"), "--version"], env=env,
                          capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (7, "real pip --version\n", "")


def test_a_shim_whose_pyguard_is_gone_still_fails_closed(tmp_path):
    """pyguard removed but the shims left behind: reads still reach pip, writes as root do not."""
    root = tmp_path / "r"
    (root / "usr/bin").mkdir(parents=True)
    shims.install(str(root), sys.executable, [str(tmp_path / "no-pyguard-here")])
    real = tmp_path / "bin"
    real.mkdir()
    (real / "pip").write_text("#!/bin/sh\necho real pip \"$@\"\n")
    (real / "pip").chmod(0o755)
    env = {"PATH": f"{root}/usr/local/sbin:{real}", "HOME": str(tmp_path)}
    shim = str(root / "usr/local/sbin/pip")

    def run(*args, **extra):
        done = subprocess.run([shim, *args], env={**env, **extra}, capture_output=True, text=True)
        return done.returncode, done.stdout, done.stderr

    assert run("list") == (0, "real pip list\n", "")
    assert run("install", "--pyguard-override", "x") == (0, "real pip install x\n", "")
    if os.geteuid() == 0:
        code, out, err = run("install", "x")
        assert (code, out) == (1, "")
        assert err.startswith("pyguard: refused: the pip guard cannot run (ModuleNotFoundError(")
    else:
        assert run("install", "x") == (0, "real pip install x\n", "")
