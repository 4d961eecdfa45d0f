"""A real release upgrade, Debian 12 -> 13, predicted, done and healed.

A bookworm root gets what servers have: a service venv under /srv (root's), a venv of alice's made
by her own processes, a root `pip install --break-system-packages` into /usr/local with a program
in /usr/local/bin, and a `pip install --user` of alice's with one in ~/.local/bin. Its sources are
pointed at trixie and `apt-get update` runs inside it. `pyguard upgrade-check` then has to say
what breaks (whole finding lists) and what stays safe, and record what each venv and installation
holds. The real `apt-get full-upgrade` runs in the root, with pyguard's apt hook warning before
dpkg starts; afterwards exactly what was predicted is broken, nothing called safe is, and
`pyguard fix` heals it from the snapshots. pip inside the root reads /etc/pip.conf (root's and
alice's pip alike): no index, wheels from /opt/wheels only.

The full upgrade downloads about 180 packages from the mirror and takes minutes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Sequence

from . import realroot
from .realroot import RealRoot, describe_run, json_of, without_risk
from .test_report import install_pyguard
from .test_shadowing import make_wheel

WHEELS = "/opt/wheels"
PIP_CONF = f"[global]\nno-index = true\nfind-links = {WHEELS}\n"
TRIXIE = "deb http://deb.debian.org/debian trixie main\n"
LOCAL = "/usr/local/lib/python3.11/dist-packages"
ALICE_SITE = "/home/alice/.local/lib/python3.11/site-packages"
AS_ALICE = "runuser -u alice -- "
SERVICE = ("six==1.17.0", "charset-normalizer==3.4.0")
"""The service venv: charset-normalizer is compiled, its cp311 wheel will not do for 3.13."""
ALICE_VENV = ("attrs==24.2.0", "alicelib==1.0")
UPGRADE_TIMEOUT = 3600


def tool_wheel(directory: Path, name: str, imports: str = "") -> None:
    """A pure-Python project with a console script NAME that prints its name."""
    code = f"{imports}\ndef main():\n    print({name!r}, 'works')\n"
    make_wheel(directory, name, "1.0", {
        f"{name}/__init__.py": code,
        f"{name}-1.0.dist-info/entry_points.txt": f"[console_scripts]\n{name} = {name}:main\n"})


def prepare(root: RealRoot) -> None:
    """The bookworm server as it was before anyone thought of the upgrade."""
    for version in ("3.11", "3.13"):
        realroot.copy_wheels(root, realroot.download_wheels(version), WHEELS)
    tool_wheel(root.host(WHEELS), "localtool", "import attr")
    tool_wheel(root.host(WHEELS), "alicetool")
    make_wheel(root.host(WHEELS), "alicelib", "1.0", {"alicelib.py": "VALUE = 42\n"})
    root.write("/etc/pip.conf", PIP_CONF)
    root.run(f"chmod -R a+rX {WHEELS} && useradd -m -u 1000 -s /bin/bash alice")
    root.run("python3 -m venv /srv/app && /srv/app/bin/pip install -q " + " ".join(SERVICE))
    root.run(f"{AS_ALICE}python3 -m venv /home/alice/venv && "
             f"{AS_ALICE}/home/alice/venv/bin/pip install -q " + " ".join(ALICE_VENV))
    root.run("python3 -m pip install -q --break-system-packages attrs==24.2.0 localtool==1.0")
    root.run(f"cd /home/alice && {AS_ALICE}python3 -m pip install -q --user "
             "--break-system-packages alicetool==1.0")
    assert root.run("localtool").stdout == "localtool works\n"
    assert root.run(f"{AS_ALICE}/home/alice/.local/bin/alicetool").stdout == "alicetool works\n"


def pyguard(root: RealRoot, state: Path, *args: str) -> subprocess.CompletedProcess:
    """pyguard from the host against the root, its state (the snapshots) in `state`."""
    env = {k: v for k, v in os.environ.items() if k != "PYGUARD_CONFIG"}
    env["PYTHONPATH"] = str(realroot.SRC_DIR)
    env["PYGUARD_STATE_DIR"] = str(state)
    return subprocess.run([sys.executable, "-m", "pyguard", *args, "--root", str(root.path)],
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=900)


def envelope_of(root: RealRoot, state: Path, *args: str) -> dict:
    result = pyguard(root, state, *args, "--format", "json")
    return without_risk(json_of(result, "pyguard " + " ".join(args)))


def importable(root: RealRoot, python: str, modules: Sequence[str], user: str = "") -> List[str]:
    """The modules `python` imports inside the root, each in a process of its own."""
    script = ("import importlib, subprocess, sys\n"
              "for m in sys.argv[1:]:\n"
              "    r = subprocess.run([sys.executable, '-c', 'import ' + m],"
              " capture_output=True)\n"
              "    print(m) if r.returncode == 0 else None\n")
    run = (f"runuser -u {user} -- " if user else "") + python
    result = root.run(f"{run} -c {shlex.quote(script)} " + " ".join(modules), check=False)
    return result.stdout.split()


def expected_predictions(state_dir: str, day: str) -> List[dict]:
    recorded = f"was recorded on {day} in {state_dir}."
    plan = ("After the upgrade, `pyguard fix` (rule venv-broken) moves it aside and makes it anew "
            "with Python 3.13, as its owner, with the same projects at the same versions.")

    def venv(path: str, held: str) -> dict:
        return {
            "rule": "upgrade-venv", "severity": "warning",
            "title": f"virtual environment {path} will break at the upgrade to Debian 13 (trixie)",
            "detail": f"{path} was made with Python 3.11.2, and {path}/bin/python3 leads to "
                      "/usr/bin/python3, which will run Python 3.13; that does not look in "
                      f"{path}/lib/python3.11/site-packages. Programs run from it will no longer "
                      f"find what it holds: {held}. What it holds {recorded} {plan}",
            "subject": path, "paths": [f"{path}/pyvenv.cfg", f"{path}/bin/python3"],
            "repair": []}

    def site(path: str, projects: str, program: str, venv_path: str) -> dict:
        return {
            "rule": "upgrade-site", "severity": "warning",
            "title": f"pip's projects in {path} will vanish from python3's sys.path at the "
                     "upgrade to Debian 13 (trixie)",
            "detail": f"python3 will run Python 3.13, which does not read {path}: programs run "
                      f"with python3 will no longer find {projects}. Programs pip wrote for "
                      f"them: {program} (runs /usr/bin/python3). What pip installed there "
                      f"{recorded} After the upgrade, `pyguard fix` (rule orphaned-site) moves "
                      "them aside and installs the same projects at the same versions in the "
                      f"virtual environment {venv_path}, never into the system interpreter; their "
                      "programs are linked back where they were.",
            "subject": path, "paths": [program], "repair": []}

    return [
        venv("/home/alice/venv", "alicelib 1.0, attrs 24.2.0"),
        venv("/srv/app", "charset-normalizer 3.4.0, six 1.17.0"),
        site(ALICE_SITE, "alicetool 1.0", "/home/alice/.local/bin/alicetool",
             "/home/alice/.venvs/user-site-python3.11"),
        site(LOCAL, "attrs 24.2.0, localtool 1.0", "/usr/local/bin/localtool",
             "/opt/venvs/usr-local-python3.11"),
        {"rule": "upgrade-dropped-package", "severity": "warning",
         "title": "python3-lib2to3 is gone in Debian 13 (trixie): lib2to3",
         "detail": "Debian 13 (trixie) no longer has python3-lib2to3 (its apt lists have no such "
                   "package): apt removes it at the upgrade (it needs python3:any (<< 3.12)); "
                   "Python 3.13 does not look in /usr/lib/python3.11, so import lib2to3 fails.",
         "subject": "python3-lib2to3", "paths": ["/var/lib/dpkg/info/python3-lib2to3.list"],
         "repair": []},
    ]


def hook_warning(recorded_in: str) -> str:
    return (
        "pyguard: the apt lists describe Debian 13 (trixie): when this run upgrades python3, "
        "Python 3.11 gives way to 3.13, and this breaks:\n"
        "  virtual environment /home/alice/venv will break at the upgrade to Debian 13 (trixie)"
        "  [upgrade-venv]\n"
        "  virtual environment /srv/app will break at the upgrade to Debian 13 (trixie)"
        "  [upgrade-venv]\n"
        f"  pip's projects in {ALICE_SITE} will vanish from python3's sys.path at the upgrade to "
        "Debian 13 (trixie)  [upgrade-site]\n"
        f"  pip's projects in {LOCAL} will vanish from python3's sys.path at the upgrade to "
        "Debian 13 (trixie)  [upgrade-site]\n"
        "  python3-lib2to3 is gone in Debian 13 (trixie): lib2to3  [upgrade-dropped-package]\n"
        f"  What they hold is recorded in {recorded_in}; after the upgrade, `pyguard fix` "
        "rebuilds them from there.\n"
        "  More: pyguard upgrade-check. To silence this check: [hooks] apt = no in "
        "/etc/pyguard/pyguard.conf.\n")


def test_bookworm_to_trixie_predicted_upgraded_and_healed(real_root, tmp_path: Path) -> None:
    root = real_root("bookworm")
    state = tmp_path / "state"
    prepare(root)
    root.write("/etc/apt/sources.list", TRIXIE)
    root.run("apt-get update -q", timeout=900)

    # -- what pyguard predicts, and what it records ---------------------------------------------
    envelope = envelope_of(root, state, "upgrade-check")
    snapshots = realroot_snapshot_dir(state, root)
    day = time.strftime("%Y-%m-%d")
    assert (envelope["exit_code"], envelope["errors"], envelope["upgrade"]) == (1, [], {
        "from": "python3.11", "to": "python3.13", "release": "Debian 13 (trixie)",
        "codename": "trixie", "source": "apt lists",
        "python3": envelope["upgrade"]["python3"],
        "evidence": ["/var/lib/apt/lists/deb.debian.org_debian_dists_trixie_main_binary-amd64_"
                     "Packages"]})
    assert envelope["upgrade"]["python3"].startswith("3.13.")
    assert envelope["findings"] == expected_predictions(snapshots, day)
    assert envelope["snapshots"] == {"directory": snapshots, "recorded": [
        "/home/alice/venv", "/srv/app", ALICE_SITE, LOCAL]}
    safe = {s["subject"]: s for s in envelope["safe"]}
    assert {k: v["why"] for k, v in safe.items() if v["kind"] != "package" or
            "python3-setuptools" in v["why"]} == {
        "python3-distutils": "Debian 13 (trixie) no longer has it, but python3-setuptools, which "
                             "is installed, provides distutils from then on"}
    kept = sorted(s for s, v in safe.items() if v["why"] == "Debian 13 (trixie) has it: apt "
                                                            "upgrades it with the rest")
    assert "python3-apt" in kept and "python3-requests" in kept and len(kept) + 1 == len(safe)
    taken_over = safe["python3-distutils"]["modules"]
    assert importable(root, "python3", taken_over) == taken_over == ["distutils"]
    shipped = {package: package_modules(root, package) for package in kept}
    imported_before = importable(root, "python3", sorted({m for ms in shipped.values()
                                                          for m in ms}))
    assert "apt_pkg" in imported_before and "yaml" in imported_before
    recorded_files = sorted(os.listdir(snapshots))
    assert recorded_files == sorted(hashlib.sha256(p.encode()).hexdigest() + ".json" for p in
                                    envelope["snapshots"]["recorded"])

    # -- the apt hook speaks before dpkg starts; then the real upgrade ---------------------------
    install_pyguard(root)
    from pyguard.apthooks.conf import conf_text

    root.write("/etc/apt/apt.conf.d/80pyguard", conf_text(["/usr/bin/pyguard"]))
    direct = root.run("pyguard hooks pre-invoke")  # warms pyguard's caches inside the root
    assert (direct.returncode, direct.stdout, direct.stderr) == (
        0, "", hook_warning("/var/lib/pyguard/venvs"))
    upgrade = root.run("apt-get full-upgrade -y -q -o Dpkg::Options::=--force-confdef "
                       "-o Dpkg::Options::=--force-confold", check=False, timeout=UPGRADE_TIMEOUT)
    (tmp_path / "full-upgrade.log").write_text(upgrade.stdout + upgrade.stderr)
    assert upgrade.returncode == 0, describe_run("apt-get full-upgrade", upgrade)
    assert hook_warning("/var/lib/pyguard/venvs") in upgrade.stderr, upgrade.stderr[-4000:]
    assert root.run("readlink /usr/bin/python3").stdout == "python3.13\n"

    # -- exactly what was predicted broke ----------------------------------------------------------
    assert importable(root, "/srv/app/bin/python", ["six", "charset_normalizer"]) == []
    assert importable(root, "/home/alice/venv/bin/python", ["attr", "alicelib"], "alice") == []
    for program, user in (("/usr/local/bin/localtool", ""),
                          ("/home/alice/.local/bin/alicetool", "alice")):
        ran = root.run((f"runuser -u {user} -- " if user else "") + program, check=False)
        assert ran.returncode == 1 and "ModuleNotFoundError" in ran.stderr, describe_run(program, ran)
    assert importable(root, "python3", ["lib2to3"]) == []
    # ... and nothing called safe did: the packages are upgraded, and each module they still
    # ship imports as before (python3-debian 0.1.52 no longer ships deb822 and debian_bundle:
    # a package's own changes are its maintainers', which only a Contents index would show)
    assert importable(root, "python3", taken_over) == taken_over
    for package in kept:
        status = root.run(f"dpkg-query -W -f '${{db:Status-Abbrev}}' {package}").stdout
        assert status.strip() == "ii", (package, status)
    still = sorted({m for package in kept for m in package_modules(root, package)}
                   & set(imported_before))
    assert importable(root, "python3", still) == still

    after = envelope_of(root, state, "doctor")
    assert (after["exit_code"], after["errors"]) == (1, [])
    assert sorted((f["rule"], f["subject"]) for f in after["findings"]) == [
        ("orphaned-site", ALICE_SITE), ("orphaned-site", LOCAL),
        ("venv-broken", "/home/alice/venv"), ("venv-broken", "/srv/app")]
    for finding in after["findings"]:
        assert f"as recorded on {day}" in finding["detail"], finding

    # -- healed from the snapshots ---------------------------------------------------------------
    fixed = pyguard(root, state, "fix", "--yes", "--format", "json")
    result = without_risk(json_of(fixed, "pyguard fix"))
    failed = [s for s in result["fix"]["steps"] if s["exit_code"] != 0]
    assert failed == [] and result["findings"] == [] and fixed.returncode == 0, \
        json.dumps(result["fix"], indent=1)
    assert importable(root, "/srv/app/bin/python", ["six", "charset_normalizer"]) == [
        "six", "charset_normalizer"]
    assert importable(root, "/home/alice/venv/bin/python", ["attr", "alicelib"], "alice") == [
        "attr", "alicelib"]
    assert importable(root, "/opt/venvs/usr-local-python3.11/bin/python",
                      ["attr", "localtool"]) == ["attr", "localtool"]
    assert importable(root, "/home/alice/.venvs/user-site-python3.11/bin/python", ["alicetool"],
                      "alice") == ["alicetool"]
    assert root.run("localtool").stdout == "localtool works\n"
    assert root.run(f"{AS_ALICE}/home/alice/.local/bin/alicetool").stdout == "alicetool works\n"
    assert freeze(root, "/srv/app") == sorted(SERVICE)
    assert freeze(root, "/home/alice/venv", "alice") == sorted(ALICE_VENV)
    assert root.run("stat -c %U /home/alice/venv/pyvenv.cfg "
                    "/home/alice/.venvs/user-site-python3.11/pyvenv.cfg").stdout == "alice\nalice\n"


def package_modules(root: RealRoot, package: str) -> List[str]:
    """The top-level modules a package ships in Debian's dist-packages, from dpkg's file list."""
    info = root.host("/var/lib/dpkg/info")
    listed = info / f"{package}.list"
    if not listed.exists():
        listed = info / f"{package}:amd64.list"
    prefix = "/usr/lib/python3/dist-packages/"
    names = set()
    for line in listed.read_text().splitlines():
        if line.startswith(prefix):
            top = line[len(prefix):].split("/")[0]
            name = top.split(".")[0]
            if name.isidentifier() and not top.endswith((".dist-info", ".egg-info", ".pth")):
                names.add(name)
    return sorted(names)


def freeze(root: RealRoot, venv: str, user: str = "") -> List[str]:
    run = (f"runuser -u {user} -- " if user else "") + f"{venv}/bin/python -m pip freeze"
    return sorted(root.run(run).stdout.split())


def realroot_snapshot_dir(state: Path, root: RealRoot) -> str:
    from pyguard.facts.snapshots import snapshot_dir

    return snapshot_dir(str(state), os.path.realpath(root.path))
