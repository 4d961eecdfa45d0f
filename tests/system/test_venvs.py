"""venv-broken and `pyguard venvs` on real roots: venvs made with a Python that is gone.

The Debian 12 -> 13 case is made as an upgrade leaves it: a venv made and filled on a real
bookworm root is carried over, file for file, into a real trixie root (where /usr/bin/python3 is
3.13 and python3.11 does not exist). pip inside the roots installs from /root/wheels only, through
/etc/pip.conf, as an organisation's mirror configuration would make it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Callable, List

from .realroot import (RealRoot, SRC_DIR, assert_undo_restores, carry, changed_files, doctor,
                       heal)

PIP_CONF = "[global]\nno-index = true\nfind-links = /root/wheels\n"
PROBE = ("/srv/app/bin/python -c 'import six, attr; "
         "assert (six.__version__, attr.__version__) == (\"1.17.0\", \"24.2.0\"), "
         "(six.__version__, attr.__version__)'")
ASIDE = ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
         "--suffix=.tar.gz /var/lib/pyguard/aside/venv-srv-app.XXXXXX)\" srv/app")
NOTES = {
    "ensurepip": "python3 -m venv needs ensurepip, which python3-venv ships",
    "aside": "move the broken venv aside (kept in /var/lib/pyguard/aside)",
    "venv": "make the venv anew with Debian's python3 (seeing Debian's packages if it did "
            "before) and install the projects it held at the same versions, read from its metadata",
}

# python3-venv-missing (another rule) says the same about ensurepip; venv-broken's own repair
# installs python3-venv first, since it runs before advice and needs it.
VENV_MISSING = {
    "rule": "python3-venv-missing",
    "severity": "info",
    "title": "\"python3 -m venv\" does not work: python3-venv is not installed",
    "detail": "Python 3.13 has no ensurepip (/usr/lib/python3.13/ensurepip), which Debian ships in "
              "python3-venv. Without it \"python3 -m venv\" stops with \"The virtual environment "
              "was not created successfully because ensurepip is not available\", and people turn "
              "to \"sudo pip\" instead.",
    "subject": "python3.13-venv",
    "paths": ["/usr/lib/python3.13/ensurepip"],
    "repair": [{"command": "apt-get install -y python3-venv",
                "note": "install ensurepip for Python 3.13"}],
}


def venvs(root: RealRoot) -> dict:
    """`pyguard venvs --root ROOT --format json`, run on the host like doctor()."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC_DIR), env.get("PYTHONPATH")]))
    env.pop("PYGUARD_VENV_ROOTS", None)
    result = subprocess.run([sys.executable, "-m", "pyguard", "venvs", "--root", str(root.path),
                             "--format", "json"], env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120)
    data = json.loads(result.stdout)
    assert data["exit_code"] == result.returncode
    return data


def summary(data: dict) -> List[tuple]:
    return [(v["path"], v["python"], v["interpreter"], v["health"], v["problem"],
             sorted(f"{p['name']}=={p['version']}" for p in v["packages"]))
            for v in data["venvs"]]


def make_app(root: RealRoot, wheels: Callable[[RealRoot], str], python: str = "python3") -> None:
    wheels(root)
    root.write("/etc/pip.conf", PIP_CONF)
    root.run(f"{python} -m venv /srv/app && /srv/app/bin/pip install -q six==1.17.0 attrs==24.2.0")
    root.run(PROBE)


def finding(state: str, steps: List[str], made: str) -> dict:
    commands = {
        "ensurepip": "apt-get install -y python3-venv",
        "aside": ASIDE,
        "venv": "/usr/bin/python3 -m venv /srv/app && /srv/app/bin/python -m pip install "
                "--no-cache-dir attrs==24.2.0 six==1.17.0",
    }
    return {
        "rule": "venv-broken",
        "severity": "warning",
        "title": "virtual environment /srv/app is broken",
        "detail": f"/srv/app was made with Python {made}, but {state}. Programs run from it fail "
                  "to start or no longer find what was installed there, read from its metadata: "
                  "attrs 24.2.0, six 1.17.0.",
        "subject": "/srv/app",
        "paths": ["/srv/app/pyvenv.cfg", "/srv/app/bin/python3"],
        "repair": [{"command": commands[s], "note": NOTES[s]} for s in steps],
    }


def assert_healed(root: RealRoot, envelope: dict) -> None:
    before = changed_files(root)
    heal(root, envelope)
    code, after = doctor(root)
    assert (code, after["findings"], after["errors"]) == (0, [], [])
    root.run(PROBE)
    kept = root.run("tar -tzf /var/lib/pyguard/aside/venv-srv-app.*.tar.gz").stdout.split()
    assert "srv/app/pyvenv.cfg" in kept and "srv/app/lib/" in "\n".join(kept)
    assert [v["health"] for v in venvs(root)["venvs"]] == ["ok"]
    assert_undo_restores(root, before)


def test_bookworm_venv_whose_interpreter_was_removed(real_root, pinned_wheels) -> None:
    """Made with a Python in /usr/local that was later deleted: bin/python3 dangles."""
    root = real_root("bookworm")
    root.run("cp /usr/bin/python3.11 /usr/local/bin/python3.11")
    make_app(root, pinned_wheels, python="/usr/local/bin/python3.11")
    code, envelope = doctor(root)
    assert (code, envelope["findings"]) == (0, [])
    made = root.run("sed -n 's/^version = //p' /srv/app/pyvenv.cfg").stdout.strip()
    assert summary(venvs(root)) == [("/srv/app", made, "/usr/local/bin/python3.11", "ok", "",
                                     ["attrs==24.2.0", "pip==23.0.1", "setuptools==66.1.1",
                                      "six==1.17.0"])]
    root.run("rm /usr/local/bin/python3.11")
    assert root.run(PROBE, check=False).returncode == 127
    code, envelope = doctor(root)
    state = ("its interpreter /srv/app/bin/python3 leads to /usr/local/bin/python3.11, which "
             "does not exist")
    assert (code, envelope["findings"]) == (1, [finding(state, ["aside", "venv"], made)])
    assert_healed(root, envelope)


def test_venv_from_bookworm_after_the_upgrade_to_trixie(real_root, pinned_wheels) -> None:
    """Debian 12 -> 13: the venv's files stay, python3.11 goes, python3 is 3.13; only
    python3.11-venv had been installed, so nothing brings in python3.13-venv."""
    old = real_root("bookworm")
    make_app(old, pinned_wheels)
    made = old.run("sed -n 's/^version = //p' /srv/app/pyvenv.cfg").stdout.strip()
    code, envelope = doctor(old)
    assert (code, envelope["findings"]) == (0, [])
    assert [v["health"] for v in venvs(old)["venvs"]] == ["ok"]

    root = real_root("trixie")
    pinned_wheels(root)
    root.write("/etc/pip.conf", PIP_CONF)
    root.host("/srv").mkdir(exist_ok=True)
    carry(old, root, "/srv/app")
    root.run("apt-get remove -y python3-venv python3.13-venv")
    probe = root.run(PROBE, check=False)
    assert (probe.returncode, probe.stderr.strip().splitlines()[-1]) == (
        1, "ModuleNotFoundError: No module named 'six'")
    code, envelope = doctor(root)
    state = ("/srv/app/bin/python3 now runs Python 3.13 (/usr/bin/python3.13), which does not "
             "look in /srv/app/lib/python3.11/site-packages")
    assert (code, envelope["findings"]) == (
        1, [finding(state, ["ensurepip", "aside", "venv"], made), VENV_MISSING])
    assert summary(venvs(root)) == [("/srv/app", made, "/usr/bin/python3.13", "broken", state,
                                     ["attrs==24.2.0", "pip==23.0.1", "setuptools==66.1.1",
                                      "six==1.17.0"])]
    assert_healed(root, envelope)
