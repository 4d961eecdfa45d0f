"""pipx's apps across the Debian 12 -> 13 upgrade, on real roots.

alice installs an app with bookworm's own pipx (1.1, home ~/.local/pipx); her home is carried
over, file for file, into a real trixie root, as the upgrade leaves it: the app's venv runs
Python 3.13 without its 3.11 packages. pyguard finds it below what the venv search reaches and
has trixie's pipx (installed by the repair) reinstall it as alice; undo gives the old venv back.
pip inside the roots installs from /opt/wheels only (/etc/pip.conf); pipx's shared venv needs
pip, setuptools and wheel there too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import realroot
from .realroot import RealRoot, assert_healed, doctor
from .test_release_upgrade import tool_wheel

WHEELS = "/opt/wheels"
PIP_CONF = f"[global]\nno-index = true\nfind-links = {WHEELS}\n"
PIPX_PINS = ("pip==25.0.1", "setuptools==75.8.0", "wheel==0.45.1")
"""What pipx's shared venv asks pip for (pipx 1.1: pip, setuptools, wheel; 1.7: pip)."""
AS_ALICE = "runuser -u alice -- "
HOME = "/home/alice/.local/pipx"
VENV = f"{HOME}/venvs/alicetool"


def prepare(root: RealRoot) -> None:
    version = realroot.default_python(root).removeprefix("python")
    realroot.copy_wheels(root, realroot.download_wheels(version), WHEELS)
    # a cache directory of their own: the other tests copy every wheel of the pinned ones'
    extra = Path(realroot.DEFAULT_WHEELS_DIR) / "pipx"
    realroot.copy_wheels(root, realroot.download_wheels(version, PIPX_PINS, extra), WHEELS)
    tool_wheel(root.host(WHEELS), "alicetool")
    root.write("/etc/pip.conf", PIP_CONF)
    root.run(f"chmod -R a+rX {WHEELS} && useradd -m -u 1000 -s /bin/bash alice")


def test_a_pipx_app_from_bookworm_is_reinstalled_by_pipx_as_her(real_root) -> None:
    old = real_root("bookworm")
    prepare(old)
    old.run("apt-get install -y -q pipx", timeout=600)
    old.run(f"cd /home/alice && {AS_ALICE}pipx install alicetool")
    assert old.run(f"{AS_ALICE}/home/alice/.local/bin/alicetool").stdout == "alicetool works\n"
    code, envelope = doctor(old)
    assert (code, envelope["findings"]) == (0, [])

    root = real_root("trixie")
    prepare(root)
    subprocess.run(f"tar -C {old.path} -cf - home/alice | tar -C {root.path} -xpf -", shell=True,
                   check=True)
    ran = root.run(f"{AS_ALICE}/home/alice/.local/bin/alicetool", check=False)
    assert (ran.returncode, ran.stderr.strip().splitlines()[-1]) == (
        1, "ModuleNotFoundError: No module named 'alicetool'")
    code, envelope = doctor(root)
    archive = ('"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/'
               'pipx-home-alice-.local-pipx-venvs-alicetool.XXXXXX)"')
    assert (code, envelope["findings"]) == (1, [{
        "rule": "pipx-app-broken",
        "severity": "warning",
        "title": "pipx's app alicetool is broken",
        "detail": f"{VENV}, the venv pipx made for alicetool, was made with Python 3.11.2, but "
                  f"{VENV}/bin/python3 now runs Python 3.13 (/usr/bin/python3.13), which does "
                  f"not look in {VENV}/lib/python3.11/site-packages. The app's programs fail to "
                  "start, and `pipx list` still calls it installed.",
        "subject": VENV,
        "paths": [f"{VENV}/pyvenv.cfg", f"{VENV}/bin/python3"],
        "repair": [
            {"command": "apt-get install -y pipx",
             "note": "pipx reinstall needs pipx: Debian's (the repair never runs a user's)"},
            {"command": f"mkdir -p /var/lib/pyguard/aside && {AS_ALICE}tar -C / -czf - "
                        f"{VENV.lstrip('/')} > {archive}",
             "note": "keep a copy of the broken venv (in /var/lib/pyguard/aside)"},
            {"command": f"{AS_ALICE}env PIPX_HOME={HOME} /usr/bin/pipx reinstall --python "
                        "/usr/bin/python3 alicetool",
             "note": "have pipx make alicetool anew with Debian's python3, from its own record "
                     "of what it installed"},
        ],
    }])
    assert_healed(root, envelope,
                  f"test \"$({AS_ALICE}/home/alice/.local/bin/alicetool)\" = 'alicetool works'",
                  f"{AS_ALICE}env PIPX_HOME={HOME} pipx list | grep -q 'installed using Python "
                  "3.13'",
                  f"test \"$(stat -c %U {VENV}/pyvenv.cfg)\" = alice",
                  "tar -tzf /var/lib/pyguard/aside/pipx-*.tar.gz | grep -qx "
                  "'home/alice/.local/pipx/venvs/alicetool/pipx_metadata.json'")
