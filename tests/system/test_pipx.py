"""pipx's apps across the Debian 12 -> 13 upgrade, on real roots.

alice installs an app with bookworm's own pipx (1.1, home ~/.local/pipx), and root one for
everyone (PIPX_HOME=/opt/pipx, its program linked in /usr/local/bin); both are carried over,
file for file, into a real trixie root, as the upgrade leaves them: the apps' venvs run Python
3.13 without their 3.11 packages. pyguard finds them (hers below what the venv search reaches)
and has trixie's pipx (installed by the repair) reinstall each as its owner, root's linked in
/usr/local/bin again; undo gives the old venvs back.
pip inside the roots installs from /opt/wheels only (/etc/pip.conf); pipx's shared venv needs
pip, setuptools and wheel there too.
"""

from __future__ import annotations

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
GLOBAL = "PIPX_HOME=/opt/pipx PIPX_BIN_DIR=/usr/local/bin"
VENV = f"{HOME}/venvs/alicetool"


def prepare(root: RealRoot) -> None:
    version = realroot.default_python(root).removeprefix("python")
    realroot.copy_wheels(root, realroot.download_wheels(version), WHEELS)
    # a cache directory of their own: the other tests copy every wheel of the pinned ones'
    extra = Path(realroot.DEFAULT_WHEELS_DIR) / "pipx"
    realroot.copy_wheels(root, realroot.download_wheels(version, PIPX_PINS, extra), WHEELS)
    tool_wheel(root.host(WHEELS), "alicetool")
    tool_wheel(root.host(WHEELS), "roottool")
    root.write("/etc/pip.conf", PIP_CONF)
    root.run(f"chmod -R a+rX {WHEELS} && useradd -m -u 1000 -s /bin/bash alice")


def test_pipx_apps_from_bookworm_are_reinstalled_by_pipx_as_their_owners(real_root) -> None:
    old = real_root("bookworm")
    prepare(old)
    old.run("apt-get install -y -q pipx", timeout=600)
    old.run(f"cd /home/alice && {AS_ALICE}pipx install alicetool")
    assert old.run(f"{AS_ALICE}/home/alice/.local/bin/alicetool").stdout == "alicetool works\n"
    # root's tool for everyone, as pipx's README says for 1.1 (pipx 1.5+: pipx --global)
    old.run(f"{GLOBAL} pipx install roottool")
    assert old.run("roottool").stdout == "roottool works\n"
    code, envelope = doctor(old)
    assert (code, envelope["findings"]) == (0, [])

    root = real_root("trixie")
    prepare(root)
    realroot.carry(old, root, "/home/alice", "/opt/pipx", "/usr/local/bin/roottool")
    ran = root.run(f"{AS_ALICE}/home/alice/.local/bin/alicetool", check=False)
    assert (ran.returncode, ran.stderr.strip().splitlines()[-1]) == (
        1, "ModuleNotFoundError: No module named 'alicetool'")
    code, envelope = doctor(root)
    assert (code, envelope["findings"]) == (1, [
        broken(VENV, HOME, AS_ALICE),
        broken("/opt/pipx/venvs/roottool", "/opt/pipx", "", "/usr/local/bin"),
    ])
    assert_healed(root, envelope,
                  f"test \"$({AS_ALICE}/home/alice/.local/bin/alicetool)\" = 'alicetool works'",
                  f"{AS_ALICE}env PIPX_HOME={HOME} pipx list | grep -q 'installed using Python "
                  "3.13'",
                  f"test \"$(stat -c %U {VENV}/pyvenv.cfg)\" = alice",
                  "tar -tzf /var/lib/pyguard/aside/pipx-home-*.tar.gz | grep -qx "
                  "'home/alice/.local/pipx/venvs/alicetool/pipx_metadata.json'",
                  "test \"$(roottool)\" = 'roottool works'",
                  "test ! -e /root/.local/bin/roottool")


def broken(venv: str, home: str, run: str, bin_dir: str = "") -> dict:
    """pipx-app-broken's finding for an app from bookworm, whose owner's processes run as
    `run` says (runuser), linked where `bin_dir` says when not in ~/.local/bin."""
    name = venv.rsplit("/", 1)[1]
    archive = ('"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/pipx-'
               f'{venv.strip("/").replace("/", "-")}.XXXXXX)"')
    kept = (f"{run}tar -C / -czf - {venv.lstrip('/')} > {archive}" if run else
            f"tar -C / -czf {archive} {venv.lstrip('/')}")
    env = f"PIPX_HOME={home}" + (f" PIPX_BIN_DIR={bin_dir}" if bin_dir else "")
    return {
        "rule": "pipx-app-broken",
        "severity": "warning",
        "title": f"pipx's app {name} is broken",
        "detail": f"{venv}, the venv pipx made for {name}, was made with Python 3.11.2, but "
                  f"{venv}/bin/python3 now runs Python 3.13 (/usr/bin/python3.13), which does "
                  f"not look in {venv}/lib/python3.11/site-packages. The app's programs fail to "
                  "start, and `pipx list` still calls it installed.",
        "subject": venv,
        "paths": [f"{venv}/pyvenv.cfg", f"{venv}/bin/python3"],
        "repair": [
            {"command": "apt-get install -y pipx",
             "note": "pipx reinstall needs pipx: Debian's (the repair never runs a user's)"},
            {"command": f"mkdir -p /var/lib/pyguard/aside && {kept}",
             "note": "keep a copy of the broken venv (in /var/lib/pyguard/aside)"},
            {"command": f"{run}env {env} /usr/bin/pipx reinstall --python /usr/bin/python3 {name}",
             "note": f"have pipx make {name} anew with Debian's python3, from its own record of "
                     "what it installed"},
        ],
    }
