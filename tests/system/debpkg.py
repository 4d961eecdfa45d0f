"""The Debian package on real roots: build the .deb from a clean copy, install it, run it inside.

The build happens in a temporary copy of the checkout (without .venv, caches or .git), so the
tree stays clean and a developer's virtualenv never ends up in the package. Installing uses
`apt-get install ./pyguard_*.deb` inside the root: apt resolves the dependencies from Debian's
archive only (the test roots already hold them, so it works offline).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .realroot import CHROOT_ENV, RealRoot, describe_run, without_risk

PROJECT = Path(__file__).resolve().parents[2]

# What a clean source tree leaves out (also in debian/source/options).
EXCLUDE = {".git", ".venv", ".pytest_cache", "__pycache__", ".pybuild", ".mypy_cache"}

BUILD_TOOLS = ("dpkg-buildpackage", "dh", "dh_python3", "dh_bash-completion")

# Build environment: Debian's tools only (this host may put pyenv shims first on PATH).
BUILD_ENV: Dict[str, str] = {
    "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
    "LC_ALL": "C.UTF-8",
    "HOME": "/nonexistent",
}


def missing_build_tools() -> Optional[str]:
    """Why the .deb cannot be built here, or None."""
    for tool in BUILD_TOOLS:
        if shutil.which(tool, path=BUILD_ENV["PATH"]) is None:
            return f"building the .deb needs {tool} (make test installs DEBIAN_TEST_PACKAGES)"
    return None


def copy_tree(dest: Path, src: Path = PROJECT) -> Path:
    """A clean copy of the checkout at dest/pyguard."""
    target = dest / "pyguard"

    def ignore(directory: str, names: Sequence[str]):
        return {n for n in names if n in EXCLUDE or n.endswith(".pyc")}

    shutil.copytree(src, target, ignore=ignore, symlinks=True)
    return target


def start_build(workdir: Path, check: bool = False) -> subprocess.Popen:
    """Start `dpkg-buildpackage -us -uc -b` in a copy of the checkout under workdir.

    check=False builds with the nocheck profile (DEB_BUILD_OPTIONS and DEB_BUILD_PROFILES):
    the package the system tests install is the same either way, and the build's own test
    step (tests/unit under LC_ALL=C and C.UTF-8) is checked by a separate build with it.
    """
    tree = copy_tree(workdir)
    env = dict(BUILD_ENV)
    if not check:
        env["DEB_BUILD_OPTIONS"] = env["DEB_BUILD_PROFILES"] = "nocheck"
    return subprocess.Popen(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=tree, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish_build(workdir: Path, build: subprocess.Popen, timeout: float = 600) -> Path:
    """Wait for a build from start_build; returns the .deb or fails with the build log."""
    output, _ = build.communicate(timeout=timeout)
    if build.returncode != 0:
        raise AssertionError(f"dpkg-buildpackage -us -uc -b exited {build.returncode}:\n"
                             + output[-6000:])
    (deb,) = workdir.glob("pyguard_*_all.deb")
    return deb


def build_deb(workdir: Path, check: bool = False, timeout: float = 600) -> Path:
    """Build pyguard_*.deb (see start_build) and return its path."""
    return finish_build(workdir, start_build(workdir, check), timeout)


def install_deb(root: RealRoot, deb: Path) -> subprocess.CompletedProcess:
    """`apt-get install -y ./pyguard_*.deb` inside the root (Debian's archive for the rest)."""
    inside = f"/tmp/{deb.name}"
    shutil.copy2(deb, root.host(inside))
    return root.run(f"apt-get install -y --no-install-recommends {inside} && rm -f {inside}")


def run_inside(root: RealRoot, cmd: str, env: Optional[Dict[str, str]] = None,
               timeout: float = 300) -> subprocess.CompletedProcess:
    """Run cmd with /bin/sh inside the root; env adds to the clean chroot environment."""
    return subprocess.run(["chroot", str(root.path), "/bin/sh", "-c", cmd],
                          env={**CHROOT_ENV, **(env or {})}, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def doctor_inside(root: RealRoot, *extra: str, env: Optional[Dict[str, str]] = None
                  ) -> Tuple[int, dict, subprocess.CompletedProcess]:
    """The installed /usr/bin/pyguard run inside the root: (exit code, JSON envelope, result)."""
    args = " ".join(["pyguard", "doctor", "--format", "json", *extra])
    result = run_inside(root, args, env)
    try:
        envelope = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"installed pyguard printed no JSON ({exc})\n"
                             + describe_run(args, result)) from None
    return result.returncode, without_risk(envelope), result


# --------------------------------------------------------------------------- autopkgtests


def autopkgtests(control: Path = PROJECT / "debian" / "tests" / "control") -> List[Dict[str, str]]:
    """The stanzas of debian/tests/control that name tests (Tests, Restrictions, ...)."""
    stanzas: List[Dict[str, str]] = []
    current: Dict[str, str] = {}
    last = ""
    for line in control.read_text().splitlines() + [""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                stanzas.append(current)
            current, last = {}, ""
        elif line[0] in " \t" and last:
            current[last] += " " + line.strip()
        else:
            last, _, value = line.partition(":")
            current[last] = value.strip()
    return [s for s in stanzas if "Tests" in s]


def run_autopkgtests(root: RealRoot, tests_dir: Path = PROJECT / "debian" / "tests"
                     ) -> List[Tuple[str, subprocess.CompletedProcess]]:
    """Run debian/tests/* inside a root where the package is installed, as autopkgtest would.

    Like autopkgtest's chroot runners: each test gets its own AUTOPKGTEST_TMP, runs as root
    only with `needs-root` (else as nobody), and fails on a non-zero exit or, without
    `allow-stderr`, on any output to stderr. Tests that break the testbed run last.
    """
    inside = "/tmp/autopkgtest-tests"
    shutil.copytree(tests_dir, root.host(inside), dirs_exist_ok=True)
    stanzas = sorted(autopkgtests(tests_dir / "control"),
                     key=lambda s: "breaks-testbed" in s.get("Restrictions", ""))
    results = []
    for stanza in stanzas:
        restrictions = stanza.get("Restrictions", "").replace(",", " ").split()
        for name in stanza["Tests"].replace(",", " ").split():
            tmp = f"/tmp/autopkgtest-tmp-{name}"
            user = "" if "needs-root" in restrictions else "setpriv --reuid=nobody --regid=nogroup --clear-groups "
            cmd = (f"rm -rf {tmp} && mkdir -p {tmp} && chmod 1777 {tmp} && cd {tmp} && "
                   f"AUTOPKGTEST_TMP={tmp} {user}{inside}/{name}")
            result = run_inside(root, cmd, env={"HOME": tmp} if user else None)
            failed = result.returncode != 0 or (
                "allow-stderr" not in restrictions and result.stderr.strip() != "")
            results.append((name, result))
            if failed:
                raise AssertionError(f"autopkgtest {name} failed\n" + describe_run(name, result))
    return results


def main(argv: Sequence[str]) -> int:
    """`.venv/bin/python -m tests.system.debpkg [bookworm] [trixie]` (as root, in the checkout):
    build the .deb, install it into a fresh overlay of each cached root, run debian/tests there."""
    import tempfile

    from .realroot import overlay

    releases = list(argv) or ["bookworm"]
    with tempfile.TemporaryDirectory(prefix="pyguard-deb-") as work:
        deb = build_deb(Path(work))
        for release in releases:
            with overlay(release) as root:
                install_deb(root, deb)
                for name, result in run_autopkgtests(root):
                    print(f"{release}: autopkgtest {name}: PASS")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
