"""The pip guard's decision, for every argument form the guard must know (issue 5)."""

from __future__ import annotations

import pytest

from pyguard.guard.decide import decide, is_system_path
from pyguard.guard.target import Target

SYSTEM = Target("/usr/bin/python3", venv=False, system=True, version="3.11", prefix="/usr",
                base_prefix="/usr")
VENV = Target("/home/alice/proj/.venv/bin/python", venv=True, system=False, version="3.11",
              prefix="/home/alice/proj/.venv", base_prefix="/usr")
PYENV = Target("/opt/py/bin/python3.12", venv=False, system=False, version="3.12")


def _decide(argv, env=None, euid=0, target=SYSTEM, cwd="/root", seen=None):
    def target_fn(python):
        if seen is not None:
            seen.append(python)
        return target
    d = decide(argv, env or {}, euid, target_fn, cwd=cwd, home="/root")
    return ("allow" if d.allow else "refuse", d.code)


REFUSED_AS_ROOT = [
    (["install", "requests"], "system"),
    (["install", "requests==2.32.3", "urllib3>=2"], "system"),
    (["install", "-U", "pip"], "system"),
    (["install", "."], "system"),
    (["install", "-e", "."], "system"),
    (["install", "-r", "req.txt"], "system"),
    (["install", "--requirement=req.txt"], "system"),
    (["install", "-rreq.txt"], "system"),
    (["--verbose", "install", "requests"], "system"),
    (["--", "install", "requests"], "system"),  # pip takes the word after -- as its command
    (["-v", "--", "uninstall", "-y"], "system"),
    (["--isolated", "--cache-dir", "/tmp/c", "install", "requests"], "system"),
    (["install", "--break-system-packages", "requests"], "system"),
    (["install", "--break-sys", "requests"], "system"),  # optparse's abbreviation
    (["uninstall", "-y", "requests"], "system"),
    (["uninstall", "-r", "req.txt"], "system"),
    (["install", "--user", "requests"], "user-site"),
    (["install", "--prefix", "/usr/local", "requests"], "system-dir"),
    (["install", "--prefix=/usr", "requests"], "system-dir"),
    (["install", "--prefix", "/root/.local", "requests"], "system-dir"),
    (["install", "--target", "/usr/lib/python3/dist-packages", "six"], "system-dir"),
    (["install", "-t", "/usr/local/lib/python3.11/dist-packages", "six"], "system-dir"),
    (["install", "-t/usr/lib/python3/dist-packages", "six"], "system-dir"),
    (["install", "--tar", "/usr/lib/python3/dist-packages", "six"], "system-dir"),
    (["install", "--root", "/", "requests"], "system"),
    (["install", "--root", "/", "--prefix", "/usr", "requests"], "system-dir"),
    (["download", "-d", "/usr/lib/python3/dist-packages", "six"], "system-dir"),
    (["wheel", "-w", "/usr/lib/python3/dist-packages", "six"], "system-dir"),
    (["config", "set", "global.break-system-packages", "true"], "config-bypass"),
    (["config", "--global", "set", "install.break-system-packages", "1"], "config-bypass"),
]


@pytest.mark.parametrize("argv,code", REFUSED_AS_ROOT, ids=[" ".join(a) for a, _ in REFUSED_AS_ROOT])
def test_refused_as_root(argv, code):
    assert _decide(argv) == ("refuse", code)


ALLOWED_AS_ROOT = [
    (["--version"], "read-only"),
    (["-V"], "read-only"),
    ([], "read-only"),
    (["--help"], "read-only"),
    (["list"], "read-only"),
    (["list", "--outdated", "--format=json"], "read-only"),
    (["list", "-e"], "read-only"),
    (["show", "requests"], "read-only"),
    (["freeze"], "read-only"),
    (["check"], "read-only"),
    (["config", "list"], "read-only"),
    (["config", "set", "global.index-url", "https://mirror.example/simple"], "read-only"),
    (["help", "install"], "read-only"),
    (["cache", "dir"], "read-only"),
    (["download", "requests"], "elsewhere"),
    (["download", "-d", "/tmp/wheels", "requests"], "elsewhere"),
    (["download", "--dest=./wheels", "requests"], "elsewhere"),
    (["wheel", "-w", "/tmp/wheels", "."], "elsewhere"),
    (["install", "--dry-run", "requests"], "dry-run"),
    (["install", "--dry-run", "--break-system-packages", "requests"], "dry-run"),
    (["install", "--target", "/opt/app/lib", "requests"], "elsewhere"),
    (["install", "--target", "/tmp/x", "requests"], "elsewhere"),
    (["install", "-t", "vendor", "requests"], "elsewhere"),  # relative to cwd /root
    (["install", "--prefix", "/opt/tool", "requests"], "elsewhere"),
    (["install", "--root", "/tmp/staging", "requests"], "elsewhere"),
    (["install", "--root=/srv/chroot", "requests"], "elsewhere"),
]


@pytest.mark.parametrize("argv,code", ALLOWED_AS_ROOT, ids=[" ".join(a) or "(none)" for a, _ in ALLOWED_AS_ROOT])
def test_allowed_as_root(argv, code):
    assert _decide(argv) == ("allow", code)


def test_read_only_calls_never_look_for_the_interpreter():
    seen = []
    for argv, _ in ALLOWED_AS_ROOT:
        _decide(argv, seen=seen)
    assert seen == []


@pytest.mark.parametrize("argv", [["install", "requests"], ["uninstall", "-y", "requests"],
                                  ["install", "-r", "req.txt"],
                                  ["install", "--break-system-packages", "requests"]])
def test_allowed_inside_a_venv(argv):
    assert _decide(argv, target=VENV) == ("allow", "venv")


def test_explicit_system_target_refused_even_from_a_venv():
    assert _decide(["install", "-t", "/usr/lib/python3/dist-packages", "six"], target=VENV) == (
        "refuse", "system-dir")


def test_user_inside_a_venv_is_pips_own_error_not_ours():
    assert _decide(["install", "--user", "requests"], target=VENV) == ("allow", "venv")


def test_a_python_that_is_not_debians_is_not_guarded():
    assert _decide(["install", "requests"], target=PYENV) == ("allow", "not-debian-python")


@pytest.mark.parametrize("argv", [["install", "requests"], ["install", "--user", "requests"],
                                  ["uninstall", "requests"],
                                  ["install", "-t", "/usr/lib/python3/dist-packages", "six"],
                                  ["config", "set", "global.break-system-packages", "true"]])
def test_not_root_and_not_sudo_passes(argv):
    assert _decide(argv, euid=1000) == ("allow", "not-root")


def test_sudo_is_root():
    assert _decide(["install", "requests"], env={"SUDO_USER": "alice"}) == ("refuse", "system")


@pytest.mark.parametrize("env,code", [
    ({"PIP_BREAK_SYSTEM_PACKAGES": "1"}, "system"),
    ({"PIP_USER": "yes"}, "user-site"),
    ({"PIP_TARGET": "/usr/lib/python3/dist-packages"}, "system-dir"),
    ({"PIP_PREFIX": "/usr/local"}, "system-dir"),
])
def test_pip_environment_variables(env, code):
    assert _decide(["install", "requests"], env=env) == ("refuse", code)


def test_pip_environment_variables_elsewhere():
    assert _decide(["install", "requests"], env={"PIP_TARGET": "/opt/x"}) == ("allow", "elsewhere")
    assert _decide(["install", "requests"], env={"PIP_ROOT": "/tmp/stage"}) == ("allow", "elsewhere")


def test_bypasses_are_reported():
    d = decide(["install", "--break-system-packages", "x"], {"PIP_BREAK_SYSTEM_PACKAGES": "true"},
               0, lambda p: SYSTEM)
    assert (d.allow, d.code, d.bypass) == (
        False, "system", ("--break-system-packages", "PIP_BREAK_SYSTEM_PACKAGES"))
    assert d.writes_to == "/usr/local/lib/python3.11/dist-packages"
    assert d.why == "it would install into Debian's system Python 3.11"


def test_python_option_selects_the_interpreter():
    seen = []
    _decide(["--python", "/home/a/.venv/bin/python", "install", "x"], target=VENV, seen=seen)
    _decide(["install", "x"], env={"PIP_PYTHON": "/srv/venv"}, target=VENV, seen=seen)
    assert seen == ["/home/a/.venv/bin/python", "/srv/venv"]


@pytest.mark.parametrize("path,expected", [
    ("/", True), ("/usr", True), ("/usr/local/lib/python3.11/dist-packages", True),
    ("/etc/x", True), ("/root/.local/lib/python3.11/site-packages", True),
    ("/opt/app", False), ("/tmp", False), ("/home/alice/lib", False), ("/usrx", False),
])
def test_is_system_path(path, expected):
    assert is_system_path(path, "/", "/root") is expected


def test_virtual_env_variable_alone_does_not_make_the_system_pip_a_venv():
    """`sudo -E pip` in an activated venv: sudo's secure_path finds the system's pip."""
    env = {"VIRTUAL_ENV": "/home/alice/proj/.venv", "SUDO_USER": "alice"}
    assert _decide(["install", "requests"], env=env, target=SYSTEM) == ("refuse", "system")
    assert _decide(["install", "requests"], env=env, target=VENV) == ("allow", "venv")
