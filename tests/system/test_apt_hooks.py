"""The apt hooks in real roots: apt itself runs them around dpkg, from the installed Debian package
and from a pip install, and they never change what apt does or how it exits.

The Debian package is the one conftest.py's `deb` fixture builds once per session. apt runs
inside the root with chroot, exactly as an admin types it; each test compares apt's output and
exit code with pyguard's hooks against the same run without them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Tuple

import pytest

from .realroot import RealRoot, describe_run, version_of

REINSTALL = "apt-get install --reinstall -y python3-six"
HOOKS_FILE = "/etc/apt/apt.conf.d/80pyguard"
SRC = Path(__file__).resolve().parents[2] / "src"


def apt(root: RealRoot, cmd: str = REINSTALL) -> subprocess.CompletedProcess:
    return root.run(cmd, check=False)


def hooks_off(root: RealRoot) -> None:
    root.write("/etc/pyguard/pyguard.conf", "[hooks]\napt = no\n")


def pre_warning(v: str) -> str:
    return (
        "pyguard: Debian's system Python is broken: the maintainer scripts of Python packages will fail.\n"
        f"  /usr/bin/python3 is not Debian's python{v}  [python3-link]\n"
        f"    /usr/bin/python3 must run Debian's default interpreter /usr/bin/python{v}, but it points to\n"
        "    /usr/bin/python3.99, which does not exist.\n"
        "  Repair, as root, then run apt again:\n"
        f"    ln -sfn python{v} /usr/bin/python3\n"
        f"    apt-get install --reinstall -y python3-minimal python{v}-minimal\n"
        "  Or all at once, every changed file kept for pyguard undo: pyguard fix\n"
        "  More: pyguard doctor. To silence this check: [hooks] apt = no in /etc/pyguard/pyguard.conf.\n")


def without(text: str, *blocks: str) -> str:
    """`text` with each block taken out once; a block that is not there fails the test."""
    for block in blocks:
        assert block in text, f"missing:\n{block}\nin:\n{text}"
        text = text.replace(block, "", 1)
    return text


def assert_silent(result: subprocess.CompletedProcess, cmd: str = REINSTALL) -> None:
    assert result.returncode == 0, describe_run(cmd, result)
    assert "pyguard" not in result.stdout + result.stderr, describe_run(cmd, result)


@pytest.mark.parametrize("release", ["bookworm", "trixie"])
def test_a_healthy_root_sees_nothing_of_the_hooks_and_removal_takes_the_shims(installed, release):
    root = installed(release)
    assert HOOKS_FILE in root.run("dpkg-query -W -f='${Conffiles}' pyguard").stdout
    dump = root.run("apt-config dump DPkg::Pre-Invoke DPkg::Post-Invoke").stdout
    assert "/usr/bin/pyguard hooks pre-invoke </dev/null || true; fi" in dump
    assert "/usr/bin/pyguard hooks post-invoke </dev/null || true; fi" in dump
    assert_silent(apt(root))

    # pip shims of this package's pyguard go with it (prerm); the conffile stays until purge
    # and does nothing once /usr/bin/pyguard is gone.
    root.run("pyguard guard install")
    assert root.host("/usr/local/sbin/pip3").exists()
    removal = apt(root, "apt-get remove -y pyguard")
    assert removal.returncode == 0, describe_run("apt-get remove", removal)
    assert "removed  /usr/local/sbin/pip3\n" in removal.stdout
    assert not root.host("/usr/local/sbin/pip3").exists()
    assert not root.host("/var/lib/pyguard/guard.json").exists()
    assert root.host(HOOKS_FILE).exists()
    assert_silent(apt(root))
    root.run("apt-get purge -y pyguard")
    assert not root.host(HOOKS_FILE).exists()


def broken_run(root: RealRoot) -> subprocess.CompletedProcess:
    root.run("ln -sf python3.99 /usr/bin/python3")
    return apt(root)


def test_a_dangling_python3_is_explained_before_dpkg_and_apt_exits_as_without_hooks(installed):
    hooked, plain = installed("bookworm"), installed("bookworm")
    hooks_off(plain)
    v = version_of(hooked)
    with_hooks, without_hooks = broken_run(hooked), broken_run(plain)
    assert "py3compile: not found" in with_hooks.stdout  # the failure the warning announced
    assert with_hooks.returncode == without_hooks.returncode == 100
    post = ("pyguard: after this apt run, Debian's system Python is broken:\n"
            "  ERROR dpkg did not finish installing Python packages  [python-dpkg-interrupted]\n"
            f"  ERROR /usr/bin/python3 is not Debian's python{v}  [python3-link]\n"
            "Next: pyguard doctor (why, and the exact repair commands)\n")
    assert without(with_hooks.stderr, pre_warning(v), post) == without_hooks.stderr
    assert with_hooks.stdout == without_hooks.stdout
    assert "pyguard" not in without_hooks.stdout + without_hooks.stderr


def test_a_run_that_leaves_a_python_package_half_configured_gets_a_summary(installed):
    root = installed("bookworm")
    # py3compile fails (but is there): nothing before dpkg says the postinst will fail
    root.write("/usr/bin/py3compile", "#!/bin/sh\necho 'py3compile: disk full' >&2\nexit 1\n",
               mode=0o755)
    result = apt(root)
    assert result.returncode == 100
    assert "py3compile: disk full" in result.stdout + result.stderr
    assert "Status: install ok half-configured" in root.run(
        "dpkg -s python3-six").stdout
    assert without(result.stderr, (
        "pyguard: after this apt run, Debian's system Python is broken:\n"
        "  ERROR dpkg did not finish installing Python packages  [python-dpkg-interrupted]\n"
        "Next: pyguard doctor (why, and the exact repair commands)\n")).count("pyguard") == 0


def test_with_no_interpreter_starting_the_launcher_says_so_in_two_lines(installed):
    hooked, plain = installed("bookworm"), installed("bookworm")
    hooks_off(plain)
    v = version_of(hooked)
    for root in (hooked, plain):
        root.run(f"mv /usr/lib/python{v} /usr/lib/python{v}.moved")
    with_hooks, without_hooks = apt(hooked), apt(plain)
    assert with_hooks.returncode == without_hooks.returncode == 100
    rescue = ("pyguard: no Python interpreter starts here, so the maintainer scripts of Python "
              "packages will fail.\n"
              "  More: pyguard doctor (its shell checks name the cause and the repair).\n")
    assert without(with_hooks.stderr, rescue, rescue) == without_hooks.stderr
    # maintainer scripts' Python dies with "Fatal Python error" and a thread's address
    assert addresses(with_hooks.stdout) == addresses(without_hooks.stdout)


def addresses(text: str) -> str:
    return re.sub(r"0x[0-9a-f]+", "0x...", text)


# -- a pip install -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    project = SRC.parent
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(out), str(project)], check=True,
                   env={**os.environ, "PIP_CONFIG_FILE": os.devnull})
    (built,) = out.glob("pyguard-*.whl")
    return built


def host_pyguard(root: RealRoot, *args: str) -> Tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-m", "pyguard", *args, "--root", str(root.path)],
                          env=env, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def test_hooks_install_of_a_pip_install_is_run_by_apt_even_with_python3_broken(real_root, wheel):
    root = real_root("bookworm")
    v = version_of(root)

    # From the host, for a system mounted at ROOT: the file names the host's pyguard, which is
    # not inside the root, so apt there runs as if there were no hook; install says so.
    code, out, _ = host_pyguard(root, "hooks", "install")
    needed = (os.path.realpath(sys.executable), f"{SRC}/pyguard/cli.py")
    assert (code, out.splitlines()[0], [line for line in out.splitlines() if "MISSING" in line]) == (
        1, f"placed   {HOOKS_FILE}",
        [f"  MISSING: {path}: the hooks do nothing until it is there (--interpreter and "
         "--pythonpath name what apt should run)" for path in needed
         if not os.path.lexists(root.host(path))])
    assert not root.host(needed[1]).exists()
    assert_silent(apt(root))
    assert host_pyguard(root, "hooks", "uninstall")[:2] == (
        0, f"removed  {HOOKS_FILE}\nremoved  /var/lib/pyguard/ (pyguard had created it)\n")

    # Inside the root: pyguard pip-installed into a venv, `pyguard hooks install` run from it.
    root.host("/tmp/wheels").mkdir()
    (root.host("/tmp/wheels") / wheel.name).write_bytes(wheel.read_bytes())
    root.run("python3 -m venv --system-site-packages /opt/pyguard && "
             f"/opt/pyguard/bin/pip install --quiet --no-index --no-deps /tmp/wheels/{wheel.name}")
    site = f"/opt/pyguard/lib/python{v}/site-packages"
    assert root.run("/opt/pyguard/bin/pyguard hooks install").stdout == (
        f"placed   {HOOKS_FILE}\n"
        f"  apt runs: /usr/bin/python{v} -I -S -B (pyguard from {site}) hooks pre-invoke|post-invoke|post-update\n"
        "recorded in /var/lib/pyguard/hooks.json\n")
    assert_silent(apt(root))
    result = broken_run(root)  # the venv's python leads through /usr/bin/python3: broken now
    assert result.returncode == 100
    assert pre_warning(v) in result.stderr
    root.run(f"ln -sfn python{v} /usr/bin/python3")
    assert root.run("/opt/pyguard/bin/pyguard hooks uninstall").stdout == (
        f"removed  {HOOKS_FILE}\nremoved  /var/lib/pyguard/ (pyguard had created it)\n")
    assert not root.host(HOOKS_FILE).exists()


PROBE = "python3-pyguard-probe"
LOCAL_UPDATE = ("apt-get update -o Dir::Etc::SourceList=/etc/apt/sources.list.d/probe.list "
                "-o Dir::Etc::SourceParts=- -o APT::Get::List-Cleanup=0")
"""`apt update` of a local repository only, offline; the other lists stay as they are."""


def publish(root: RealRoot, version: str) -> None:
    """A local repository offering PROBE at `version`, as apt update will fetch it."""
    root.write("/etc/apt/sources.list.d/probe.list", "deb [trusted=yes] file:/srv/probe ./\n")
    root.write("/srv/probe/Packages",
               f"Package: {PROBE}\nVersion: {version}\nArchitecture: all\nSource: pyguard-probe\n"
               f"Section: python\nDepends: python3:any\nFilename: ./{PROBE}_{version}_all.deb\n"
               "Size: 1000\nDescription: a package apt update finds\n\n")


def index_status(root: RealRoot) -> Tuple[int, int]:
    """(inode, mtime) of the pip guard's apt index in the root's cache."""
    [index] = root.host("/var/cache/pyguard").glob("apt-python-index-*.marshal")
    st = index.stat()
    return st.st_ino, st.st_mtime_ns


def refusal(root: RealRoot) -> str:
    refused = root.run("SUDO_USER=alice pip install pyguard-probe", check=False)
    assert refused.returncode == 1, describe_run("pip install", refused)
    return refused.stderr


def test_apt_update_brings_the_guards_index_up_to_date(installed):
    """After `apt update` apt runs the post-update hook: the pip guard's index is rebuilt then,
    and the next refusal only reads it. With the hooks off, the refusal rebuilds it."""
    root = installed("bookworm")
    root.run("pyguard guard install")
    publish(root, "1.0-1")
    before = index_status(root)
    update = apt(root, LOCAL_UPDATE)
    assert update.returncode == 0, describe_run(LOCAL_UPDATE, update)
    assert "pyguard" not in update.stdout + update.stderr
    after_update = index_status(root)
    assert after_update != before
    offer = f"  pyguard-probe: Debian's library package {PROBE} {{}} (not installed)\n"
    assert offer.format("1.0-1") in refusal(root)
    assert index_status(root) == after_update

    hooks_off(root)
    publish(root, "1.1-1")
    update = apt(root, LOCAL_UPDATE)
    assert update.returncode == 0, describe_run(LOCAL_UPDATE, update)
    assert index_status(root) == after_update
    assert offer.format("1.1-1") in refusal(root)
    assert index_status(root) != after_update
