"""The guard end to end in-process: finding the real pip, exec, refusal, override, logging,
and failing closed. os.execv is replaced by a recorder; nothing runs pip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyguard.guard import log as guard_log
from pyguard.guard import main as guard_main
from pyguard.guard import target as guard_target
from pyguard.guard.shims import shim_text


class Exec(Exception):
    pass


@pytest.fixture
def bin_dirs(tmp_path, monkeypatch):
    """PATH = a shim dir, then a dir holding a real pip (a script for Debian's python3)."""
    shims = tmp_path / "sbin"
    real = tmp_path / "bin"
    shims.mkdir()
    real.mkdir()
    pip = real / "pip"
    pip.write_text("#!/usr/bin/python3\nimport pip\n")
    pip.chmod(0o755)
    shim = shims / "pip"
    shim.write_text(shim_text("pip", "/usr/bin/python3", ["/nowhere"]))
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shims}:{real}")
    monkeypatch.delenv("PYGUARD_OVERRIDE", raising=False)
    monkeypatch.delenv("SUDO_USER", raising=False)
    for name in [n for n in os.environ if n.startswith("PIP_")]:
        monkeypatch.delenv(name)
    calls = []

    def fake_execv(path, argv):
        calls.append((path, list(argv)))
        raise Exec()

    monkeypatch.setattr(guard_main.os, "execv", fake_execv)
    log = tmp_path / "pyguard.log"
    monkeypatch.setattr(guard_log, "DEV_LOG", str(tmp_path / "no-dev-log"))
    monkeypatch.setattr(guard_log, "LOG_FILE", str(log))
    monkeypatch.delenv(guard_log.LOG_FILE_ENV, raising=False)
    return {"shim": shim, "real": pip, "calls": calls, "log": log, "root": tmp_path}


def as_root(monkeypatch, euid=0):
    monkeypatch.setattr(guard_main.os, "geteuid", lambda: euid)


def test_allowed_call_execs_the_real_pip_not_the_shim(bin_dirs, monkeypatch):
    as_root(monkeypatch)
    with pytest.raises(Exec):
        guard_main.run(["--version"], name="pip", shim_path=str(bin_dirs["shim"]))
    assert bin_dirs["calls"] == [(str(bin_dirs["real"]), [str(bin_dirs["real"]), "--version"])]
    assert not bin_dirs["log"].exists()


def test_a_shim_elsewhere_on_path_is_never_taken_for_pip(bin_dirs, monkeypatch, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "pip").write_text(bin_dirs["shim"].read_text())
    (copy / "pip").chmod(0o755)
    monkeypatch.setenv("PATH", f"{copy}:{os.environ['PATH']}")
    assert guard_target.find_real("pip", os.environ["PATH"], [str(bin_dirs["shim"].parent)]) == str(
        bin_dirs["real"])


def test_refused_as_root_logs_and_exits_1(bin_dirs, monkeypatch, capsys):
    as_root(monkeypatch)
    monkeypatch.setenv("SUDO_USER", "alice")
    monkeypatch.setattr("pyguard.guard.suggest.refusal", lambda *a: "REFUSAL TEXT\n")
    assert guard_main.run(["install", "requests"], name="pip", shim_path=str(bin_dirs["shim"])) == 1
    assert bin_dirs["calls"] == []
    assert capsys.readouterr().err == "REFUSAL TEXT\n"
    line = bin_dirs["log"].read_text()
    assert "refused: user=alice uid=" in line
    assert "command='pip install requests' decision=system" in line
    assert f"pip={bin_dirs['real']}" in line


def test_a_directory_name_with_a_newline_cannot_forge_a_log_line(bin_dirs, monkeypatch, tmp_path):
    as_root(monkeypatch)
    monkeypatch.setenv("SUDO_USER", "alice\nrefused: user=bob")
    monkeypatch.setattr("pyguard.guard.suggest.refusal", lambda *a: "REFUSAL TEXT\n")
    odd = tmp_path / "x\nallowed: user=root"
    odd.mkdir()
    monkeypatch.chdir(odd)
    assert guard_main.run(["install", "requests"], name="pip", shim_path=str(bin_dirs["shim"])) == 1
    line, = bin_dirs["log"].read_text().splitlines()
    assert "]: refused: user=alice\\nrefused: user=bob uid=0 " in line
    assert line.endswith(f"cwd={tmp_path}/x\\nallowed: user=root")


@pytest.mark.parametrize("how", ["flag", "env"])
def test_override_proceeds_without_the_flag_and_is_logged(bin_dirs, monkeypatch, how):
    as_root(monkeypatch)
    argv = ["install", "--pyguard-override", "requests"] if how == "flag" else ["install", "requests"]
    if how == "env":
        monkeypatch.setenv("PYGUARD_OVERRIDE", "1")
    with pytest.raises(Exec):
        guard_main.run(argv, name="pip", shim_path=str(bin_dirs["shim"]))
    real = str(bin_dirs["real"])
    assert bin_dirs["calls"] == [(real, [real, "install", "requests"])]
    assert "override: user=" in bin_dirs["log"].read_text()


def test_not_root_passes_without_a_log(bin_dirs, monkeypatch):
    as_root(monkeypatch, 1000)
    with pytest.raises(Exec):
        guard_main.run(["install", "requests"], name="pip", shim_path=str(bin_dirs["shim"]))
    assert not bin_dirs["log"].exists()


def test_venv_pip_passes(bin_dirs, monkeypatch, tmp_path):
    as_root(monkeypatch)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "bin" / "python").symlink_to("/usr/bin/python3")
    pip = venv / "bin" / "pip"
    pip.write_text(f"#!{venv}/bin/python\n")
    pip.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dirs['shim'].parent}:{venv / 'bin'}:/usr/bin")
    with pytest.raises(Exec):
        guard_main.run(["install", "requests"], name="pip", shim_path=str(bin_dirs["shim"]))
    assert bin_dirs["calls"][0][0] == str(pip)


def test_guard_failure_refuses_writes_and_passes_reads(bin_dirs, monkeypatch, capsys):
    as_root(monkeypatch)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("pyguard.guard.decide.decide", broken)
    assert guard_main.run(["install", "requests"], name="pip", shim_path=str(bin_dirs["shim"])) == 1
    err = capsys.readouterr().err
    assert "The guard could not check this command (RuntimeError: boom)" in err
    assert "pip install --pyguard-override requests" in err
    assert "decision=guard-failed" in bin_dirs["log"].read_text()
    with pytest.raises(Exec):
        guard_main.run(["list"], name="pip", shim_path=str(bin_dirs["shim"]))
    with pytest.raises(Exec):
        guard_main.run(["--version"], name="pip", shim_path=str(bin_dirs["shim"]))


def test_suggestions_failing_still_refuses(bin_dirs, monkeypatch, capsys):
    as_root(monkeypatch)

    def broken(*args):
        raise OSError("lists unreadable")

    monkeypatch.setattr("pyguard.guard.suggest.refusal", broken)
    assert guard_main.run(["install", "requests"], name="pip", shim_path=str(bin_dirs["shim"])) == 1
    assert capsys.readouterr().err == (
        "pyguard: refused `pip install requests`: it would install into Debian's system Python 3.11.\n"
        "(pyguard could not look up what to do instead: OSError: lists unreadable)\n"
        "To run it anyway, on purpose (logged): pip --pyguard-override install requests\n")


def test_no_real_pip(bin_dirs, monkeypatch, capsys):
    as_root(monkeypatch)
    monkeypatch.setenv("PATH", str(bin_dirs["shim"].parent))
    assert guard_main.run(["--version"], name="pip", shim_path=str(bin_dirs["shim"])) == 127
    assert "apt install python3-pip" in capsys.readouterr().err


def test_syslog_when_dev_log_is_a_socket(monkeypatch, tmp_path):
    import socket
    import syslog

    sock_path = tmp_path / "log.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(sock_path))
    sent = []
    monkeypatch.setattr(guard_log, "DEV_LOG", str(sock_path))
    monkeypatch.setattr(syslog, "syslog", lambda prio, text: sent.append((prio, text)))
    from pyguard.guard.decide import Decision
    where = guard_log.log_decision("override", Decision(False, "system", "why"), "pip",
                                   ["install", "x"], "/usr/bin/pip")
    sock.close()
    assert where == "syslog"
    assert sent[0][0] == syslog.LOG_WARNING
    assert sent[0][1].startswith("override: user=")


def test_target_of_env_shebang(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pip = bin_dir / "pip"
    pip.write_text("#!/usr/bin/env python3\n")
    (bin_dir / "python3").symlink_to("/usr/bin/python3")
    target = guard_target.target_of(str(pip), "", f"{bin_dir}")
    assert (target.venv, target.system) == (False, True)


def test_target_of_venv_dir_given_to_python_option(tmp_path):
    venv = tmp_path / "v"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    target = guard_target.target_of("/usr/bin/pip", str(venv), "/usr/bin")
    assert (target.interpreter, target.venv, target.system) == (str(venv / "bin" / "python"), True, False)


def test_a_shell_wrapper_is_guarded_as_the_system_pip(tmp_path):
    pip = tmp_path / "pip"
    pip.write_text("#!/bin/sh\nexec python3 -m pip \"$@\"\n")
    target = guard_target.target_of(str(pip), "", "/usr/bin")
    assert (target.venv, target.system) == (False, True)


def test_a_python_outside_debians_dirs_is_not_guarded(tmp_path):
    python = tmp_path / "python3.12"
    python.write_text("")
    pip = tmp_path / "pip"
    pip.write_text(f"#!{python}\n")
    target = guard_target.target_of(str(pip), "", "/usr/bin")
    assert (target.venv, target.system, target.version) == (False, False, "3.12")


def test_pyguard_pip_fast_path_imports_nothing_heavy(tmp_path):
    """`pyguard pip --version`: no parser, no rich, no python-debian, no psutil before exec."""
    import subprocess
    import sys

    stub = tmp_path / "pip"
    stub.write_text("#!/bin/sh\necho stub pip \"$@\"\n")
    stub.chmod(0o755)
    src = Path(guard_main.__file__).resolve().parents[2]
    env = {"PATH": str(tmp_path), "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "pyguard", "pip", "--version"],
                          env=env, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "stub pip --version\n")
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "pyguard" in imported
    # (pyguard.cli's own `typing` import brings re along; the shims do not go through cli)
    assert imported & {"argparse", "rich", "debian", "psutil", "distro", "dataclasses"} == set()


def test_shim_path_imports_only_the_guard(tmp_path):
    import subprocess
    import sys

    from pyguard.guard import shims

    root = tmp_path / "r"
    (root / "usr/bin").mkdir(parents=True)
    shims.install(str(root), sys.executable, shims.default_paths())
    stub = tmp_path / "pip"
    stub.write_text("#!/bin/sh\necho stub pip \"$@\"\n")
    stub.chmod(0o755)
    done = subprocess.run([sys.executable, "-X", "importtime", "-IS",
                           str(root / "usr/local/sbin/pip"), "--version"],
                          env={"PATH": str(tmp_path)}, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "stub pip --version\n")
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    ours = {m for m in imported if m.startswith("pyguard")}
    assert ours == {"pyguard", "pyguard.guard", "pyguard.guard.main", "pyguard.guard.target",
                    "pyguard.guard.decide", "pyguard.guard.pipargs"}
    assert imported & {"re", "typing", "dataclasses", "argparse", "debian", "shlex"} == set()
