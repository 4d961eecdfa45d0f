"""A host behind its archive: what apt really does to a reinstall, in the plan and in undo.

The root is bookworm built from the main suite alone, then pointed at the security suite and
updated (realroot.BEHIND_OPTIONS): python3.11's five packages are installed at main's version
and the security suite has a newer one. A stdlib module is edited; doctor's repair reinstalls
libpython3.11-stdlib, which apt alone would turn into an upgrade of all five.

- While main still has the installed version, fix reinstalls exactly it (pinned).
- Once no source has it (main's line taken out of sources.list: the archive moved on, as after
  a point release), fix says it upgrades, from where and with what, and does it: the security
  suite is the system's own release. Undo puts the local edit back and nothing else: dpkg's
  verification is exactly as it was before the fix, and undo names the packages that stay
  upgraded.
- From a source outside the release (a local repository), the upgrade waits for
  --allow-upgrade.
"""

from __future__ import annotations

import json
import subprocess
from typing import Dict, Iterator, List, Tuple

import pytest

from . import realroot
from .realroot import RealRoot, doctor, fix, pyguard

STDLIB = "libpython3.11-stdlib"
ALSO = ("python3.11-venv", "python3.11", "python3.11-minimal", "libpython3.11-minimal")
"""What apt upgrades with it, in the order of its simulation."""
FIVE = sorted((STDLIB,) + ALSO)
EDITED = "/usr/lib/python3.11/json/__init__.py"
MAIN = "deb http://deb.debian.org/debian bookworm main"
UNDO = "/var/lib/pyguard/undo"
KEEP_COPY = ('mkdir -p /var/lib/pyguard/aside && tar -C / -czf "$(mktemp --suffix=.tar.gz '
             f'/var/lib/pyguard/aside/{STDLIB}-changed.XXXXXX)" {EDITED.lstrip("/")}')


@pytest.fixture
def behind() -> Iterator[RealRoot]:
    """An overlay on the cached root behind its archive, with a stdlib module edited."""
    lower = realroot.cached_root("bookworm", options=realroot.BEHIND_OPTIONS)
    with realroot.overlay("bookworm", lower) as root:
        root.run(f"echo '# local edit' >> {EDITED}")
        yield root


def versions(root: RealRoot) -> Tuple[str, str]:
    """(installed, the security suite's) version of libpython3.11-stdlib, asked of apt."""
    installed = root.run(f"dpkg-query -W -f '${{Version}}' {STDLIB}").stdout
    policy = root.run(f"apt-cache policy {STDLIB}").stdout
    candidate = next(line.split()[1] for line in policy.splitlines()
                     if line.strip().startswith("Candidate:"))
    assert candidate != installed, (
        "the security suite has no newer python3.11 than the main suite any more: this test "
        f"needs another package behind its archive\n{policy}")
    return installed, candidate


def installed(root: RealRoot) -> Dict[str, str]:
    out = root.run("dpkg-query -W -f '${Package} ${Version}\\n' " + " ".join(FIVE)).stdout
    return dict(line.split() for line in out.splitlines())


def verify(root: RealRoot) -> List[str]:
    """dpkg --verify's lines (it exits 1 when it reports any)."""
    return root.run("dpkg --verify", check=False).stdout.splitlines()


def undo(root: RealRoot, record: str) -> List[str]:
    """`pyguard undo --yes` of a fix that kept one file (the local edit), which must put it
    back; what it says about packages."""
    created = json.loads(root.host(f"{UNDO}/{record}/manifest.json").read_text())["created"]
    undone = pyguard(root, "undo", "--yes")
    assert undone.returncode == 0, realroot.describe_run("undo", undone)
    safety = sorted(p.name for p in root.host(UNDO).iterdir() if p.name.startswith("undo-"))
    lines = undone.stdout.splitlines()
    assert lines[:2] + lines[-1:] == [
        f"Undo {record} (pyguard fix --root {root.path}, {created}, done): 1 path goes back as "
        "they were before the fix.",
        "Put back 1 path.",
        f"What was there before this undo is kept in {UNDO}/{safety[0]}."]
    return lines[2:-1]


def plan_text(root: RealRoot, step2: List[str]) -> List[str]:
    changes = [line for line in step2 if "upgrades" in line]
    return [
        f"pyguard fix: 1 finding, 2 steps on {root.path} (Debian 12 (bookworm), default "
        "Python 3.11)",
        "",
        f"ERROR files of {STDLIB} are not as Debian shipped them  [modified-debian-file]",
        f"  1. [safe] {KEEP_COPY}",
        "     # keep a copy of the changed files (in /var/lib/pyguard/aside) before the "
        "reinstall replaces them",
        *step2,
        "",
        "safe: reinstalls from the archive and touches nothing local; moves files: what it "
        "names goes aside."
        + (" changes packages: apt upgrades, downgrades or removes packages, as the step says; "
           "undo puts local files back, never older versions." if changes else "")
        + " Every file a step removes or overwrites is copied first to /var/lib/pyguard/undo/"
        "ID; pyguard undo puts it back. A step on files a user controls runs as that user.",
    ]


def upgrade_json(old: str, new: str, source: str) -> List[dict]:
    return [{"package": name, "arch": "amd64", "change": "upgrade", "installed": old,
             "version": new, "named": name == STDLIB, "installed_gone": True,
             "pinned_over": "", "from": [source]}
            for name in (ALSO[0], ALSO[1], STDLIB, ALSO[2], ALSO[3])]


def reinstall_json(versions: List[str], apt: dict, risk: str) -> dict:
    return {"number": 2, "rule": "modified-debian-file", "subject": STDLIB,
            "command": "apt-get install --reinstall -y " + " ".join(
                [f"{STDLIB}={versions[0]}"] if versions else [STDLIB]),
            "note": "restore the package's files as shipped", "risk": risk, "user": "root",
            "action": {"kind": "reinstall", "packages": [STDLIB], "versions": versions,
                       "conffiles": "keep"},
            "moves": [], "packages": [STDLIB], "apt": apt}


def dry_run(root: RealRoot, *extra: str) -> Tuple[List[str], dict]:
    """The plan as text and fix's JSON plan of step 2 (the reinstall)."""
    text = pyguard(root, "fix", "--dry-run", *extra)
    assert (text.returncode, text.stderr) == (2, ""), realroot.describe_run("fix", text)
    data = json.loads(pyguard(root, "fix", "--dry-run", "--format", "json", *extra).stdout)
    (keep, reinstall) = data["fix"]["plan"]
    assert keep["command"] == KEEP_COPY
    (finding,) = data["findings"]
    assert [r["risk"] for r in finding["repair"]] == ["safe", reinstall["risk"]]
    return text.stdout.splitlines(), reinstall


def test_a_reinstall_the_archive_still_has_is_pinned_and_upgrades_nothing(
        behind: RealRoot) -> None:
    old, new = versions(behind)
    before = verify(behind)
    assert before == [f"??5??????   {EDITED}"]

    lines, step = dry_run(behind)
    assert lines == plan_text(behind, [
        f"  2. [safe] apt-get install --reinstall -y {STDLIB}={old}",
        "     # restore the package's files as shipped",
        f"     reinstalls {STDLIB} {old} (pinned: apt alone would upgrade it to {new})",
    ])
    assert step == reinstall_json([old], {
        "foreseen": True, "allowed": True, "why_not": "",
        "changes": [{"package": STDLIB, "arch": "amd64", "change": "reinstall",
                     "installed": old, "version": old, "named": True, "installed_gone": False,
                     "pinned_over": new, "from": ["bookworm"]}]}, "safe")

    code, result = fix(behind)
    assert (code, result["findings"]) == (0, [])
    assert [(s["command"], s["exit_code"]) for s in result["fix"]["steps"]] == [
        (KEEP_COPY, 0), (f"apt-get install --reinstall -y {STDLIB}={old}", 0)]
    assert installed(behind) == {name: old for name in FIVE}
    assert verify(behind) == []

    assert undo(behind, result["fix"]["undo"]["id"]) == [
        f"Reinstalled at the version installed before: {STDLIB} {old}."]
    assert verify(behind) == before


def test_a_reinstall_of_a_version_gone_from_the_archive_upgrades_and_undo_keeps_dpkg_whole(
        behind: RealRoot) -> None:
    behind.run(f"sed -i 's|^{MAIN}$|# &|' /etc/apt/sources.list")  # the archive moved on
    old, new = versions(behind)
    before = verify(behind)
    assert before == [f"??5??????   {EDITED}"]

    lines, step = dry_run(behind)
    assert lines == plan_text(behind, [
        f"  2. [changes packages] apt-get install --reinstall -y {STDLIB}",
        "     # restore the package's files as shipped",
        f"     upgrades {STDLIB} {old} -> {new} from bookworm-security (the installed version "
        "is no longer in the archive)",
        f"     also upgrades {', '.join(ALSO)} {old} -> {new} from bookworm-security",
    ])
    assert step == reinstall_json([], {
        "foreseen": True, "allowed": True, "why_not": "",
        "changes": upgrade_json(old, new, "bookworm-security")}, "changes packages")

    refused = pyguard(behind, "fix", "--yes", "--no-allow-upgrade")
    assert (refused.returncode, refused.stderr) == (
        3, "pyguard fix: step 2 would change packages, which --no-allow-upgrade forbids; "
           "nothing changed\n")
    assert not behind.host("/var/lib/pyguard").exists()
    assert installed(behind) == {name: old for name in FIVE}

    code, result = fix(behind)  # the security suite is bookworm's own: allowed by default
    assert (code, result["findings"], result["errors"]) == (0, [], [])
    assert [(s["command"], s["exit_code"], s["kept"]) for s in result["fix"]["steps"]] == [
        (KEEP_COPY, 0, 0), (f"apt-get install --reinstall -y {STDLIB}", 0, 1)]
    assert installed(behind) == {name: new for name in FIVE}
    assert verify(behind) == []
    code, report = doctor(behind)
    assert (code, report["findings"], report["errors"]) == (0, [], [])
    record = result["fix"]["undo"]["id"]
    manifest = json.loads(behind.host(f"{UNDO}/{record}/manifest.json").read_text())
    assert [e["path"] for e in manifest["entries"]] == [EDITED]  # the local edit, nothing else
    assert {k: (v["version"], v["to"]) for k, v in manifest["dpkg_before"].items()} == {
        f"{name}:amd64": (old, new) for name in FIVE}

    assert undo(behind, record) == [
        f"{', '.join(FIVE)} stay at {new} (was {old}); undo does not downgrade packages."]
    assert installed(behind) == {name: new for name in FIVE}
    assert verify(behind) == before


def local_repository(root: RealRoot, version: str) -> None:
    """The security suite's newer packages (at `version`), offered by a local repository of
    another name instead: a source outside the system's release (a vendor's, a PPA-like one)."""
    root.run(f"apt-get install -qq --download-only {STDLIB} && mkdir -p /srv/repo && "
             f"mv /var/cache/apt/archives/*_{version}_*.deb /srv/repo/")
    packages = subprocess.run(["dpkg-scanpackages", "."], cwd=root.host("/srv/repo"),
                              capture_output=True, text=True, check=True).stdout
    root.write("/srv/repo/Packages", packages)
    root.write("/srv/repo/Release", "Origin: Example\nLabel: Example\nSuite: stable\n"
                                    "Codename: example\n")
    root.write("/etc/apt/sources.list", "deb [trusted=yes] file:/srv/repo ./\n")
    root.run("apt-get update -qq")


def test_an_upgrade_from_outside_the_release_waits_for_allow_upgrade(behind: RealRoot) -> None:
    old, new = versions(behind)
    local_repository(behind, new)

    lines, step = dry_run(behind)
    why = "runs only with --allow-upgrade: the new versions come from example, not bookworm's "\
          "own updates"
    assert lines == plan_text(behind, [
        f"  2. [changes packages] apt-get install --reinstall -y {STDLIB}",
        "     # restore the package's files as shipped",
        f"     upgrades {STDLIB} {old} -> {new} from example (the installed version is no "
        "longer in the archive)",
        f"     also upgrades {', '.join(ALSO)} {old} -> {new} from example",
        f"     {why}",
    ])
    assert step == reinstall_json([], {"foreseen": True, "allowed": False, "why_not": why,
                                       "changes": upgrade_json(old, new, "example")},
                                  "changes packages")

    refused = pyguard(behind, "fix", "--yes")
    assert (refused.returncode, refused.stderr) == (
        3, "pyguard fix: step 2 would change packages, which needs --allow-upgrade (see the "
           "plan); nothing changed\n")
    assert not behind.host("/var/lib/pyguard").exists()

    code, result = fix(behind, "--allow-upgrade")
    assert (code, result["findings"], result["errors"]) == (0, [], [])
    assert installed(behind) == {name: new for name in FIVE}
