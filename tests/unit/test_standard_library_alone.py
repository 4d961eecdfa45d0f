"""pyguard with the standard library alone says what it says with its dependencies.

The day apt dies, apt refuses to install anything while dpkg was interrupted ("you must
manually run 'dpkg --configure -a'"): `dpkg -i pyguard_*.deb` is what is left, and dpkg unpacks
pyguard without python3-debian, python3-psutil and python3-rich. Its launcher runs Debian's
python3.X with -I -S and dist-packages: here, the checkout's src alone on sys.path.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
LOCAL = "/usr/local/lib/python3.11/dist-packages"
ALONE = ("import sys; sys.path[:0] = [sys.argv.pop(1)]; from pyguard.cli import main; "
         "sys.exit(main())")


def run(args, alone: bool, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYGUARD", "PYTHON"))}
    env.update(PYGUARD_CACHE_DIR=str(tmp_path / ("alone" if alone else "with")), COLUMNS="96")
    isolated = ["-I", "-S"] if alone else []  # without -S: the site's dependencies
    argv = [sys.executable, *isolated, "-c", ALONE, SRC, *args]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120,
                          cwd=tmp_path)  # not a build directory's own copy of pyguard
    return done.returncode, done.stdout, done.stderr


def without_timing(output: str) -> str:
    data = json.loads(output)
    data.pop("duration_seconds", None)
    return json.dumps(data, indent=1)


@pytest.fixture
def broken(fake_root):
    """A dangling python3, a package left half done, the marker gone, pip's copies over
    Debian's: the rules that read dpkg's database, its Depends and versions all speak."""
    fake_root.symlink("/usr/bin/python3", "python3.missing")
    fake_root.set_status("python3-six", "install reinstreq half-configured")
    fake_root.remove("/usr/lib/python3.11/EXTERNALLY-MANAGED")
    fake_root.pip_install(LOCAL, "requests", "2.32.3", top_level=["requests"])
    fake_root.pip_install(LOCAL, "urllib3", "2.2.3", top_level=["urllib3"])
    return fake_root


def test_nothing_but_the_standard_library_is_there():
    code = "import importlib.util as u; print([m for m in ('debian', 'psutil', 'rich', " \
           "'distro') if u.find_spec(m)])"
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True,
                          text=True, check=True)
    assert done.stdout == "[]\n"


@pytest.mark.parametrize("args, code", [
    (("doctor", "--format", "json"), 2), (("doctor",), 2),
    (("fix", "--dry-run", "--format", "json"), 2),
    (("upgrade-check", "--no-record", "--to", "trixie", "--format", "json"), 1),
    (("venvs", "--format", "json"), 0)])
def test_each_command_says_the_same_alone(broken, tmp_path, args, code):
    alone = run([*args, "--root", str(broken)], True, tmp_path)
    full = run([*args, "--root", str(broken)], False, tmp_path)
    assert (alone[0], alone[2]) == (full[0], full[2]) == (code, "")
    if "json" in args:
        assert without_timing(alone[1]) == without_timing(full[1])
    else:
        assert alone[1] == full[1]


def test_doctor_on_a_terminal_alone_is_plain_text(broken, tmp_path):
    """No rich: a terminal gets the text a pipe gets (script(1) gives it a terminal)."""
    code = f"{sys.executable} -I -S -c '{ALONE}' {SRC} doctor --root {broken}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYGUARD", "PYTHON"))}
    env.update(PYGUARD_CACHE_DIR=str(tmp_path / "tty"), TERM="xterm", COLUMNS="96")
    done = subprocess.run(["script", "-qec", code, "/dev/null"], capture_output=True,
                          text=True, env=env, timeout=120)
    piped = run(["doctor", "--root", str(broken)], True, tmp_path)
    assert done.stdout.replace("\r\n", "\n") == piped[1]
