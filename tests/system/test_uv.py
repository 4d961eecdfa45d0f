"""uv's tools across the Debian 12 -> 13 upgrade, on real roots.

alice installs a tool with her own uv (the binary uv's installer puts in ~/.local/bin), and
root one for himself and one for everyone (UV_TOOL_DIR=/opt/uv-tools, its program linked in
/usr/local/bin) with root's uv in /usr/local/bin; the venvs lead to /usr/bin/python3, as uv
makes them on a host with no Python of its own. Carried over, file for file, into a real trixie root
as the upgrade leaves them, they run Python 3.13 without their 3.11 packages. pyguard finds
them (below what the venv search reaches) and has each owner's uv install its tool again from
uv's receipt, as that owner; undo gives the old venvs back.
uv installs from /opt/wheels only: the receipt keeps the --no-index --find-links it was given.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from . import realroot
from .realroot import RealRoot, assert_healed, doctor
from .test_release_upgrade import tool_wheel

WHEELS = "/opt/wheels"
UV_PIN = "uv==0.13.9"
AS_ALICE = "runuser -u alice -- "
ALICE_UV = "/home/alice/.local/bin/uv"
ROOT_UV = "/usr/local/bin/uv"
TOOLS = "/home/alice/.local/share/uv/tools"
ROOT_TOOLS = "/root/.local/share/uv/tools"
INSTALL = f"tool install --no-index --find-links {WHEELS}"
EVERYONE = "UV_TOOL_DIR=/opt/uv-tools UV_TOOL_BIN_DIR=/usr/local/bin"


def uv_binary() -> bytes:
    """The uv program, out of its wheel from PyPI (a cache directory of its own: the other
    tests copy every wheel of the pinned ones')."""
    wheels = realroot.download_wheels("3.11", (UV_PIN,), Path(realroot.DEFAULT_WHEELS_DIR) / "uv")
    wheel = next(wheels.glob("uv-0.13.9-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(next(n for n in archive.namelist() if n.endswith(".data/scripts/uv")))


def prepare(root: RealRoot, uv: bytes) -> None:
    root.host(WHEELS).mkdir(parents=True)
    tool_wheel(root.host(WHEELS), "alicetool")
    tool_wheel(root.host(WHEELS), "roottool")
    tool_wheel(root.host(WHEELS), "sharedtool")
    tool_wheel(root.host(WHEELS), "pinnedtool")
    root.run(f"chmod -R a+rX {WHEELS} && useradd -m -u 1000 -s /bin/bash alice")
    for path in (ALICE_UV, ROOT_UV):
        root.host(path).parent.mkdir(parents=True, exist_ok=True)
        root.host(path).write_bytes(uv)
        root.host(path).chmod(0o755)
    root.run("chown -R alice: /home/alice/.local")


def test_uv_tools_from_bookworm_are_installed_again_by_their_owners_uv(real_root) -> None:
    uv = uv_binary()
    old = real_root("bookworm")
    prepare(old, uv)
    old.run(f"cd /home/alice && {AS_ALICE}{ALICE_UV} {INSTALL} alicetool")
    old.run(f"cd /home/alice && {AS_ALICE}{ALICE_UV} {INSTALL} --python /usr/bin/python3.11 "
            "pinnedtool")
    old.run(f"{ROOT_UV} {INSTALL} roottool")
    old.run(f"env {EVERYONE} {ROOT_UV} {INSTALL} sharedtool")
    assert old.run(f"{AS_ALICE}sharedtool").stdout == "sharedtool works\n"
    assert old.run(f"{AS_ALICE}/home/alice/.local/bin/alicetool").stdout == "alicetool works\n"
    assert old.run("/root/.local/bin/roottool").stdout == "roottool works\n"
    code, envelope = doctor(old)
    assert (code, envelope["findings"]) == (0, [])

    root = real_root("trixie")
    prepare(root, uv)
    realroot.carry(old, root, "/home/alice/.local", "/root/.local", "/opt/uv-tools",
                   "/usr/local/bin/sharedtool")
    ran = root.run(f"{AS_ALICE}/home/alice/.local/bin/alicetool", check=False)
    assert (ran.returncode, ran.stderr.strip().splitlines()[-1]) == (
        1, "ModuleNotFoundError: No module named 'alicetool'")
    code, envelope = doctor(root)
    assert (code, envelope["findings"]) == (1, [
        broken(f"{TOOLS}/alicetool", "/home/alice/.local/bin", ALICE_UV, AS_ALICE),
        broken(f"{TOOLS}/pinnedtool", "/home/alice/.local/bin", ALICE_UV, AS_ALICE, gone=True),
        broken("/opt/uv-tools/sharedtool", "/usr/local/bin", ROOT_UV, ""),
        broken(f"{ROOT_TOOLS}/roottool", "/root/.local/bin", ROOT_UV, ""),
    ])
    assert_healed(root, envelope,
                  f"test \"$({AS_ALICE}/home/alice/.local/bin/alicetool)\" = 'alicetool works'",
                  f"cd /home/alice && {AS_ALICE}{ALICE_UV} tool list | grep -qx 'alicetool v1.0'",
                  f"test \"$(stat -c %U {TOOLS}/alicetool/lib/python3.13/site-packages)\" = alice",
                  "test \"$(/root/.local/bin/roottool)\" = 'roottool works'",
                  f"test \"$({AS_ALICE}sharedtool)\" = 'sharedtool works'",
                  f"test \"$({AS_ALICE}/home/alice/.local/bin/pinnedtool)\" = 'pinnedtool works'",
                  "test ! -e /root/.local/bin/sharedtool",
                  "tar -tzf /var/lib/pyguard/aside/uv-home-alice-.local-share-uv-tools-"
                  "alicetool.*.tar.gz | grep -qx "
                  "'home/alice/.local/share/uv/tools/alicetool/uv-receipt.toml'")


def broken(venv: str, bin_dir: str, uv: str, run: str, gone: bool = False) -> dict:
    """uv-tool-broken's finding for a tool from bookworm whose programs uv linked in `bin_dir`,
    whose owner's processes run as `run` says (runuser); `gone`: made with --python
    /usr/bin/python3.11, which trixie no longer has."""
    tools, _, name = venv.rpartition("/")
    state = (f"its interpreter {venv}/bin/python3 leads to /usr/bin/python3.11, which does not "
             "exist" if gone else
             f"{venv}/bin/python3 now runs Python 3.13 (/usr/bin/python3.13), which does not look "
             f"in {venv}/lib/python3.11/site-packages")
    relink = f"{run}ln -sfn /usr/bin/python3 {venv}/bin/python && " if gone else ""
    archive = ('"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/uv-'
               f'{venv.strip("/").replace("/", "-")}.XXXXXX)"')
    kept = (f"{run}tar -C / -czf - {venv.lstrip('/')} > {archive}" if run else
            f"tar -C / -czf {archive} {venv.lstrip('/')}")
    return {
        "rule": "uv-tool-broken",
        "severity": "warning",
        "title": f"uv's tool {name} is broken",
        "detail": f"{venv}, the venv uv made for {name}, was made with Python 3.11.2, but "
                  f"{state}. The tool's programs fail to start, and `uv tool list` no longer "
                  "finds its package.",
        "subject": venv,
        "paths": [f"{venv}/pyvenv.cfg", f"{venv}/bin/python3"],
        "repair": [
            {"command": f"mkdir -p /var/lib/pyguard/aside && {kept}",
             "note": "keep a copy of the broken venv (in /var/lib/pyguard/aside)"},
            {"command": f"{relink}{run}env UV_TOOL_DIR={tools} UV_TOOL_BIN_DIR={bin_dir} {uv} "
                        f"tool upgrade --reinstall --python /usr/bin/python3 {name}",
             "note": f"have uv install {name} again for Debian's python3, from its receipt"},
        ],
    }


def test_uv_from_pip_install_user_is_rebuilt_then_installs_her_tools_again(real_root) -> None:
    """`pip install --user uv` on bookworm, as uv's own docs offer: the upgrade leaves her user
    site behind (orphaned-site), whose uv binary still runs; it goes into a venv of its own and
    comes back as a link, and that uv installs her tool again (uv-tool-broken comes after)."""
    uv = uv_binary()
    wheels = Path(realroot.DEFAULT_WHEELS_DIR) / "uv" / "py3.11"
    site = "/home/alice/.local/lib/python3.11/site-packages"
    venv = "/home/alice/.venvs/user-site-python3.11"

    def prepare_without_uv(root: RealRoot) -> None:
        prepare(root, uv)
        root.run(f"rm {ALICE_UV}")
        realroot.copy_wheels(root, wheels, WHEELS)
        root.write("/etc/pip.conf", f"[global]\nno-index = true\nfind-links = {WHEELS}\n")
        root.run(f"chmod -R a+rX {WHEELS}")

    old = real_root("bookworm")
    prepare_without_uv(old)
    old.run(f"cd /home/alice && {AS_ALICE}python3 -m pip install -q --user "
            "--break-system-packages uv==0.13.9")
    old.run(f"cd /home/alice && {AS_ALICE}{ALICE_UV} {INSTALL} alicetool")
    root = real_root("trixie")
    prepare_without_uv(root)
    realroot.carry(old, root, "/home/alice/.local")
    code, envelope = doctor(root)
    moved = [f"{site}/uv-0.13.9.dist-info", f"{site}/uv", ALICE_UV, "/home/alice/.local/bin/uvx"]
    assert (code, envelope["findings"]) == (1, [{
        "rule": "orphaned-site",
        "severity": "warning",
        "title": f"pip's projects in {site} are left behind: python3 runs Python 3.13 now",
        "detail": f"{site} belongs to Python 3.11, which python3 no longer runs "
                  "(/usr/bin/python3.11 is gone): nothing run with python3 finds uv 0.13.9 any "
                  f"more. {ALICE_UV}, /home/alice/.local/bin/uvx, programs pip wrote for them "
                  "that need no Python, go with them all the same. Their projects, read from its "
                  "metadata, belong in a virtual environment now, never in the system "
                  "interpreter.",
        "subject": site,
        "paths": [site, ALICE_UV, "/home/alice/.local/bin/uvx"],
        "repair": [
            {"command": "mkdir -p /var/lib/pyguard/aside && runuser -u alice -- tar -C / "
                        f"--remove-files -czf - {' '.join(p.lstrip('/') for p in moved)} > "
                        '"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/'
                        'user-site-alice-python3.11.XXXXXX)"',
             "note": "move the projects and their programs aside (kept in "
                     "/var/lib/pyguard/aside)"},
            {"command": f"{AS_ALICE}/usr/bin/python3 -m venv {venv} && {AS_ALICE}{venv}/bin/"
                        "python -m pip install --no-cache-dir uv==0.13.9",
             "note": "install the same projects at the same versions in a virtual environment "
                     "of their own, read from its metadata"},
            {"command": f"{AS_ALICE}ln -sfn {venv}/bin/uv {ALICE_UV} && {AS_ALICE}ln -sfn "
                        f"{venv}/bin/uvx /home/alice/.local/bin/uvx",
             "note": "put their programs back where pip had written them, as links into the "
                     "venv"},
        ],
    }, broken(f"{TOOLS}/alicetool", "/home/alice/.local/bin", ALICE_UV, AS_ALICE)])
    assert_healed(root, envelope,
                  f"test \"$({AS_ALICE}/home/alice/.local/bin/alicetool)\" = 'alicetool works'",
                  f"test \"$(readlink {ALICE_UV})\" = {venv}/bin/uv")
