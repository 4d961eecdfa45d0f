"""Real Debian roots for system tests: cached pristine trees, one overlay per test.

pyguard's unit tests use fake roots made in ``tmp_path``; they can only say what we think Debian
looks like. System tests need the real thing: a root that mmdebstrap made from the mirror, which
the test breaks the way users do (rm EXTERNALLY-MANAGED, pip as root, ln -sf python3 ...) and
then heals with pyguard's own repair commands, run inside the root with chroot.

Building a root takes half a minute, so each release is built once and cached outside the repo.
Every test gets a fresh overlayfs on top of the cache, so whatever it breaks lands in a throwaway
upper dir and the cache stays pristine.

Nothing here touches the host's own Python, /usr, /etc or dpkg state: all writes go to the cache
dir, the wheel cache or temporary directories, and every mount is undone when the test ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

MIRROR = "http://deb.debian.org/debian"
RELEASES: Tuple[str, ...] = ("bookworm", "trixie")

PACKAGES: Tuple[str, ...] = (
    "python3",
    "python3-apt",
    "python3-pip",
    "python3-venv",
    "python3-requests",
    "python3-yaml",
    "python3-gi",
    "python3-six",
    "lsb-release",
    "python3-debian",
    "python3-psutil",
    "python3-rich",
    "python3-distro",
)

# --skip=cleanup/apt/*: keep the package lists and the .debs, so repairs such as
# `apt-get install --reinstall python3-minimal` work offline inside the root.
# apt-cache gencaches: mmdebstrap's apt ran outside the root with a configuration of its own,
# and the root's apt rejects the cache it left (Debug::pkgCacheGen: the Release file is not in
# it); each test's first apt call then rebuilt it, 0.7 s and 72 MB written into the overlay.
MMDEBSTRAP_OPTIONS: Tuple[str, ...] = (
    "--variant=minbase",
    "--skip=cleanup/apt/lists",
    "--skip=cleanup/apt/cache",
    "--chrooted-customize-hook=apt-cache gencaches",
)

# Debian's "slim" container images (debuerreotype's .slimify-excludes and -includes): dpkg never
# unpacks docs, man pages and translations. mmdebstrap writes each --dpkgopt to
# /etc/dpkg/dpkg.cfg.d/99mmdebstrap inside the root, so apt keeps the rules after the build.
SLIM_PATH_FILTERS: Tuple[str, ...] = (
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/groff/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/linda/*",
    "path-exclude=/usr/share/lintian/overrides/*",
    "path-exclude=/usr/share/locale/*",
    "path-include=/usr/share/locale/locale.alias",
    "path-exclude=/usr/share/man/*",
)
SLIM_OPTIONS: Tuple[str, ...] = MMDEBSTRAP_OPTIONS + tuple(
    f"--dpkgopt={rule}" for rule in SLIM_PATH_FILTERS)
SLIM_SUFFIX = "-slim"
CATALOG_ROOTS: Tuple[str, ...] = ("bookworm", "trixie", "bookworm" + SLIM_SUFFIX)
"""Where the rule catalog's breakages are made and healed: both releases, and a slim image's
root (the real_root fixture builds it with SLIM_OPTIONS), where every breakage must be found
and healed just the same."""

# A host behind its archive: built from bookworm's main suite alone, then pointed at the
# security suite as well, with apt-get update run inside the root (mmdebstrap's chrooted hook),
# so apt knows newer versions than those installed, as on a host installed a while ago.
BOOKWORM_SECURITY = "deb http://deb.debian.org/debian-security bookworm-security main"
BEHIND_OPTIONS: Tuple[str, ...] = MMDEBSTRAP_OPTIONS + (
    f"--customize-hook=echo '{BOOKWORM_SECURITY}' >> \"$1/etc/apt/sources.list\"",
    "--chrooted-customize-hook=apt-get update -q",
)

DEFAULT_ROOTS_DIR = "/var/cache/pyguard-test-roots"
ROOTS_DIR_ENV = "PYGUARD_TEST_ROOTS"
DEFAULT_WHEELS_DIR = "/var/cache/pyguard-test-wheels"
MAX_ROOT_AGE = 7 * 24 * 3600  # the mirror moves on; a week-old root tests last week's Debian
BUILD_TIMEOUT = 1800

# The environment a root's own tools see: nothing of the host's (pyenv, PIP_*, PYTHONPATH)
# may leak into the examined system.
CHROOT_ENV: Dict[str, str] = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LC_ALL": "C.UTF-8",
    "DEBIAN_FRONTEND": "noninteractive",
}

# Temp dirs of overlays start with this, so a human reading findmnt can tell whose they are.
OVERLAY_PREFIX = "pyguard-root-"

# Every overlay temp dir this process made: the session-end leak check looks only at these,
# since other pytest processes may have overlays of their own mounted right now.
CREATED_OVERLAYS: List[Path] = []

# Pinned wheels for `pip install --no-index` inside roots. charset-normalizer has compiled
# wheels, so the cache holds one set per interpreter version the roots ship.
WHEEL_PINS: Tuple[str, ...] = (
    "requests==2.32.3",
    "urllib3==2.2.3",
    "idna==3.10",
    "certifi==2024.8.30",
    "charset-normalizer==3.4.0",
    "six==1.17.0",
    "attrs==24.2.0",
)
WHEEL_PYTHON_VERSIONS: Tuple[str, ...] = ("3.11", "3.13")  # bookworm, trixie
WHEEL_PLATFORM = "manylinux2014_x86_64"
PYPI_INDEX = "https://pypi.org/simple"


# --------------------------------------------------------------------------- cached roots


def roots_dir() -> Path:
    """Where pristine roots are cached; outside the repo so `git clean` keeps them."""
    return Path(os.environ.get(ROOTS_DIR_ENV) or DEFAULT_ROOTS_DIR)


def root_key(
    release: str,
    packages: Sequence[str] = PACKAGES,
    options: Sequence[str] = MMDEBSTRAP_OPTIONS,
    mirror: str = MIRROR,
) -> str:
    """Name of a cached root: changing the package list or the options builds a new one."""
    recipe = json.dumps(
        {"packages": sorted(packages), "options": list(options), "mirror": mirror},
        sort_keys=True,
    )
    return f"{release}-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"


def mmdebstrap_command(
    release: str,
    target: Path,
    packages: Sequence[str] = PACKAGES,
    options: Sequence[str] = MMDEBSTRAP_OPTIONS,
    mirror: str = MIRROR,
) -> List[str]:
    """The one mmdebstrap invocation a cached root comes from."""
    return ["mmdebstrap", *options, "--include=" + ",".join(packages), release, str(target), mirror]


def _is_fresh(path: Path, max_age: float) -> bool:
    # The root's top directory is stamped (os.utime) when built; overlays never write to the
    # lower dir, so its mtime stays the build time.
    try:
        return time.time() - path.stat().st_mtime < max_age
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """Exclusive fcntl lock: two pytest processes (or xdist workers) never build the same root,
    wheel set or package at once."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _overlay_lowerdirs() -> List[str]:
    """Lower dirs of every overlay mounted now, as given at mount time (/proc/self/mountinfo).

    The kernel reports the path string the overlay was mounted with, not where that directory
    is now; this is why built roots are never renamed once an overlay may use them.
    """
    lowers: List[str] = []
    with open("/proc/self/mountinfo") as info:
        for line in info:
            _, _, after = line.partition(" - ")
            fields = after.split()
            if len(fields) >= 3 and fields[0] == "overlay":
                for opt in fields[2].split(","):
                    if opt.startswith("lowerdir="):
                        lowers.extend(opt[len("lowerdir="):].split(":"))
    return lowers


def _remove_unused_builds(cache: Path, key: str, keep: Path) -> None:
    """Delete old or failed builds of `key`, except `keep` and those an overlay still uses.

    Called with the key's lock held, so no build of the same key is in progress.
    """
    in_use = set(_overlay_lowerdirs())
    for old in cache.glob(f"{key}.*"):
        if old.is_dir() and not old.is_symlink() and old != keep and str(old) not in in_use:
            shutil.rmtree(old, ignore_errors=True)


def cached_root(
    release: str,
    packages: Sequence[str] = PACKAGES,
    options: Sequence[str] = MMDEBSTRAP_OPTIONS,
    mirror: str = MIRROR,
    max_age: float = MAX_ROOT_AGE,
) -> Path:
    """Path of a pristine Debian root for `release`, building it first if missing or stale.

    Layout: `CACHE/KEY` is a symlink to the build dir `CACHE/KEY.build-XXXX`. A build happens
    in its own fresh dir and is published by renaming a new symlink over `KEY` (atomic), so
    nobody ever sees a half-built root. Build dirs themselves are never renamed or deleted while
    an overlay uses them: a pytest process that mounted last week's root keeps working while
    another one publishes this week's. The returned path is the build dir itself, so overlays
    name it and not the symlink.
    """
    cache = roots_dir()
    key = root_key(release, packages, options, mirror)
    link = cache / key
    with locked(cache / f"{key}.lock"):
        current = link.resolve() if link.is_symlink() else None
        if current is not None and current.is_dir() and _is_fresh(current, max_age):
            return current
        building = Path(tempfile.mkdtemp(prefix=f"{key}.build-", dir=cache))
        try:
            result = subprocess.run(
                mmdebstrap_command(release, building, packages, options, mirror),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT,
            )
            if result.returncode != 0:
                raise RuntimeError(
                    f"mmdebstrap {release} failed ({result.returncode}):\n{result.stderr[-4000:]}"
                )
            os.chmod(building, 0o755)  # mkdtemp made it 0700; it becomes the root's /
            os.utime(building)
            if link.exists() and not link.is_symlink():  # a plain dir from an older layout
                link.rename(cache / f"{key}.legacy-{int(time.time())}")
            new_link = cache / f".{key}.link-{os.getpid()}"
            new_link.unlink(missing_ok=True)
            new_link.symlink_to(building.name)
            os.replace(new_link, link)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        _remove_unused_builds(cache, key, keep=building)
        return building


# --------------------------------------------------------------------------- mounts


def mounts_under(prefix: str) -> List[str]:
    """Mount points at or below `prefix`, as findmnt lists them (deepest last)."""
    result = subprocess.run(
        ["findmnt", "-rn", "-o", "TARGET"], capture_output=True, text=True, check=True
    )
    prefix = prefix.rstrip("/")
    # findmnt -r escapes blanks as \x20; our own paths have none.
    return [
        t for t in result.stdout.splitlines() if t == prefix or t.startswith(prefix + "/")
    ]


def _umount(target: str) -> Optional[str]:
    """Unmount `target`, lazily if it is busy; returns an error message or None."""
    first = subprocess.run(["umount", target], capture_output=True, text=True)
    if first.returncode == 0:
        return None
    lazy = subprocess.run(["umount", "-l", target], capture_output=True, text=True)
    if lazy.returncode == 0:
        return None
    return f"umount {target}: {first.stderr.strip()}; umount -l: {lazy.stderr.strip()}"


def processes_in(root: "RealRoot") -> List[str]:
    """Command lines of the processes running chrooted in `root` now: what a test may assert
    is gone, while other tests' processes (xdist workers) run beside it."""
    inside = os.stat(root.path)
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            there = os.stat(f"/proc/{pid}/root")
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                argv = cmdline.read()
        except OSError:  # gone meanwhile, or a kernel thread
            continue
        if (there.st_dev, there.st_ino) == (inside.st_dev, inside.st_ino):
            found.append(argv.replace(b"\0", b" ").decode("utf-8", "replace").strip())
    return found


# --------------------------------------------------------------------------- one overlay


@dataclass
class RealRoot:
    """A writable overlay on a cached root, for one test.

    `path` is the merged dir: what pyguard gets as --root and what `run` chroots into.
    """

    release: str
    lower: Path
    path: Path = field(init=False)
    _tmp: Path = field(init=False)
    _mounted: List[str] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self._tmp = Path(tempfile.mkdtemp(prefix=f"{OVERLAY_PREFIX}{self.release}-"))
        CREATED_OVERLAYS.append(self._tmp)
        self.path = self._tmp / "merged"
        try:
            for sub in ("upper", "work", "merged"):
                (self._tmp / sub).mkdir()
            self._mount(
                "overlay", "-t", "overlay",
                "-o", f"lowerdir={self.lower},upperdir={self._tmp / 'upper'},"
                f"workdir={self._tmp / 'work'}",
                str(self.path),
            )
            # apt and dpkg read /proc; /dev already holds static nodes from mmdebstrap, and a
            # private devpts instance gives apt a pty without sharing the host's.
            self._mount("proc", "-t", "proc", str(self.path / "proc"))
            self._mount(
                "devpts", "-t", "devpts", "-o", "newinstance,ptmxmode=0666",
                str(self.path / "dev/pts"),
            )
        except BaseException:
            self.close()
            raise

    def _mount(self, source: str, *args: str) -> None:
        target = args[-1]
        subprocess.run(
            ["mount", *args[:-1], source, target], check=True, capture_output=True, text=True
        )
        self._mounted.append(target)

    @property
    def upper(self) -> Path:
        """The overlay's upper dir: exactly what the test changed, for assertions."""
        return self._tmp / "upper"

    def host(self, inside: str) -> Path:
        """Host path of `inside` (a path as the root sees it), without resolving symlinks."""
        return self.path / inside.lstrip("/")

    def run(
        self, cmd: str, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess:
        """Run a shell command inside the root as root, with a clean environment."""
        result = subprocess.run(
            ["chroot", str(self.path), "/bin/sh", "-c", cmd],
            env=dict(CHROOT_ENV),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(describe_run(cmd, result))
        return result

    def write(self, inside: str, text: str, mode: int = 0o644) -> Path:
        """Create or replace a file inside the root.

        Refuses to write through a symlink or a parent that resolves outside the root: an
        absolute link in the root would otherwise point at the host's own /usr or /etc.
        """
        target = self.host(inside)
        target.parent.mkdir(parents=True, exist_ok=True)
        merged = os.path.realpath(self.path)
        if not os.path.realpath(target.parent).startswith(merged + os.sep):
            raise ValueError(f"{inside}: parent resolves outside the root")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.chmod(target, mode)  # O_CREAT's mode is masked by umask and ignored for old files
        return target

    def close(self) -> None:
        """Unmount in reverse order, then remove the temp dir; safe to call twice.

        The temp dir is only removed when every unmount worked: rmtree through a live mount
        would delete the cached root's files (through the overlay) or the host's /proc.
        """
        errors = [e for e in (_umount(t) for t in reversed(self._mounted)) if e]
        self._mounted.clear()
        if errors:
            raise RuntimeError("; ".join(errors))
        leftover = mounts_under(str(self._tmp))
        if leftover:
            raise RuntimeError(f"still mounted, not removing {self._tmp}: {leftover}")
        shutil.rmtree(self._tmp, ignore_errors=True)


@contextlib.contextmanager
def overlay(release: str, lower: Optional[Path] = None) -> Iterator[RealRoot]:
    """A RealRoot on the cached root of `release`, closed on exit (also on failure)."""
    root = RealRoot(release, lower if lower is not None else cached_root(release))
    try:
        yield root
    finally:
        root.close()


def leaked_mounts() -> List[str]:
    """Mounts still present under any overlay this process made (should be none)."""
    return [mount for tmp in CREATED_OVERLAYS for mount in mounts_under(str(tmp))]


def default_python(root: RealRoot) -> str:
    """The root's default interpreter name ("python3.11"), from debian_defaults."""
    text = root.host("/usr/share/python3/debian_defaults").read_text()
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "default-version":
            return value.strip()
    raise ValueError("no default-version in debian_defaults")


def describe_run(cmd: str, result: subprocess.CompletedProcess) -> str:
    """A failed command and its output, as a test failure should show it."""
    return (
        f"command exited {result.returncode}: {cmd}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )


# --------------------------------------------------------------------------- pyguard


SRC_DIR = Path(__file__).resolve().parents[2] / "src"


def doctor(root: RealRoot, *extra: str, timeout: float = 300) -> Tuple[int, dict]:
    """Run `pyguard doctor` on the host against `root`; returns (exit code, JSON envelope).

    pyguard reads the root from outside, as it would read a rescue-mounted disk; it never runs
    inside it. src/ is put on PYTHONPATH so an uninstalled checkout works too.
    """
    result = pyguard(root, "doctor", "--format", "json", *extra, timeout=timeout)
    return result.returncode, without_risk(json_of(result, "pyguard doctor"))


def json_of(result: subprocess.CompletedProcess, what: str) -> dict:
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"{what} printed no JSON ({exc})\n" + describe_run(what, result)) \
            from None


def without_risk(envelope: dict) -> dict:
    """The envelope with each repair's `risk` and `action` checked and dropped.

    Both come from the repair's typed action (pyguard.actions, tested on every action of the
    rule catalog in tests/unit/test_actions.py); the findings these tests expect stay about
    what the rules say and the commands a person reads.
    """
    for finding in envelope.get("findings", []):
        for step in finding.get("repair", []):
            assert step.pop("risk") in ("safe", "moves files", "changes packages",
                                         "installs from the index"), step
            assert isinstance(step.pop("action").get("kind"), str), step
    return envelope


def version_of(root: RealRoot) -> str:
    """The root's default Python version ("3.11")."""
    return default_python(root).removeprefix("python")


def pyguard(root: RealRoot, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run pyguard on the host against `root` (as for a rescue-mounted disk)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC_DIR), env.get("PYTHONPATH")]))
    env.pop("NO_COLOR", None)
    return subprocess.run([sys.executable, "-m", "pyguard", *args, "--root", str(root.path)],
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


def fix(root: RealRoot, *extra: str) -> Tuple[int, dict]:
    """`pyguard fix --root ROOT --yes --format json`: (exit code, envelope with its "fix")."""
    result = pyguard(root, "fix", "--yes", "--format", "json", *extra)
    return result.returncode, without_risk(json_of(result, "pyguard fix"))


def fixable_commands(envelope: Mapping, advice_too: bool = False) -> List[str]:
    """The repairs pyguard fix runs: those of warnings and errors (and of advice, for rules
    named with --only), each command once."""
    commands = [step["command"] for finding in envelope.get("findings", [])
                if advice_too or finding["severity"] in ("error", "warning")
                for step in finding["repair"]]
    return list(dict.fromkeys(commands))


def heal(root: RealRoot, envelope: Mapping) -> dict:
    """Heal `root` with `pyguard fix`, which must run exactly doctor's repairs, all of them
    successfully; returns fix's JSON. When doctor gave advice too, its rules are named with
    --only, which makes fix follow the advice as well."""
    findings = envelope.get("findings", [])
    advice_too = any(f["severity"] == "info" for f in findings)
    only = [arg for rule in dict.fromkeys(f["rule"] for f in findings) for arg in ("--only", rule)]
    code, result = fix(root, *(only if advice_too else []))
    steps = result["fix"]["steps"]
    failed = [s for s in steps if s["exit_code"] != 0]
    assert not failed and not result["fix"]["unavailable"], (
        "pyguard fix failed:\n" + json.dumps(result["fix"], indent=1))
    assert [s["command"] for s in steps] == fixable_commands(envelope, advice_too)
    assert (code, result["findings"], result["errors"]) == (0, [], []), json.dumps(result, indent=1)
    return result


def run_repairs(root: RealRoot, envelope: Mapping) -> None:
    """Run every repair command of `envelope` inside the root, in order, as an admin pastes
    them (rescue mode's commands, which pyguard fix does not plan)."""
    for finding in envelope.get("findings", []):
        for step in finding.get("repair", []):
            result = root.run(step["command"], check=False)
            assert result.returncode == 0, "repair failed:\n" + describe_run(step["command"], result)


def carry(old: RealRoot, new: RealRoot, *paths: str) -> None:
    """Copy `paths` (inside the roots) from `old` into `new` whole, owners and modes kept: what a
    release upgrade leaves of them (a venv, a home, pyguard's state)."""
    script = 'old=$1 new=$2; shift 2; tar -C "$old" -cf - "$@" | tar -C "$new" -xpf -'
    subprocess.run(["sh", "-c", script, "sh", str(old.path), str(new.path),
                    *(p.lstrip("/") for p in paths)], check=True)


def assert_healed(root: RealRoot, envelope: Mapping, *probes: str) -> None:
    """pyguard fix heals the root (doctor clean, every probe passes); pyguard undo then puts
    back every regular file that existed before the fix, byte for byte."""
    before = changed_files(root)
    heal(root, envelope)
    for probe in probes:
        root.run(probe)
    assert_undo_restores(root, before)


def assert_undo_restores(root: RealRoot, before: Mapping[str, Optional[str]]) -> None:
    """`pyguard undo` makes every regular file that existed when `before` was taken (with
    changed_files) byte-identical to then."""
    undone = pyguard(root, "undo", "--yes")
    assert undone.returncode == 0, describe_run("pyguard undo", undone)
    differing = files_differing_from(root, before)
    assert differing == [], f"not as before the fix after pyguard undo: {differing}"


# State apt and dpkg keep for themselves, caches, logs, and pyguard's own records: a fix
# rewrites them (dpkg's status, apt's pkgcache, py3compile's byte code) and undo leaves them.
# Temporary dirs hold what the tests' own probes write and remove.
NOT_USER_FILES = ("/var/lib/dpkg/", "/var/lib/apt/", "/var/cache/", "/var/log/",
                  "/var/lib/pyguard/", "/etc/ld.so.cache", "/tmp/", "/var/tmp/")


def changed_files(root: RealRoot) -> Dict[str, Optional[str]]:
    """sha256 of every regular file the test changed so far (the overlay's upper dir);
    None for a path it deleted (a whiteout)."""
    out: Dict[str, Optional[str]] = {}
    for host in root.upper.rglob("*"):
        inside = "/" + str(host.relative_to(root.upper))
        st = host.lstat()
        if _whiteout(st):
            out[inside] = None
        elif host.is_file() and not host.is_symlink():
            out[inside] = _sha256(host)
    return out


def files_differing_from(root: RealRoot, before: Mapping[str, Optional[str]]) -> List[str]:
    """Regular files that existed before (in `before`, else in the pristine root) and now
    differ from then or are gone."""
    differing = []
    now = changed_files(root)

    def pristine(inside: str) -> Optional[str]:
        lower = root.lower / inside.lstrip("/")
        return _sha256(lower) if lower.is_file() and not lower.is_symlink() else None

    for inside in sorted(set(now) | set(before)):
        if inside.startswith(NOT_USER_FILES) or "/__pycache__/" in inside:
            continue
        was = before[inside] if inside in before else pristine(inside)
        is_now = now[inside] if inside in now else pristine(inside)
        if was is not None and is_now != was:
            differing.append(inside)
    return differing


def _whiteout(st: os.stat_result) -> bool:
    import stat as stat_module
    return stat_module.S_ISCHR(st.st_mode) and st.st_rdev == 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- wheels


def _pip_env() -> Dict[str, str]:
    # This host's pip config adds a constraints file and local find-links; PIP_* variables
    # do the same. Neither may decide which wheel a test installs.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _wheel_prefix(pin: str) -> str:
    name, _, version = pin.partition("==")
    return f"{name.replace('-', '_').lower()}-{version}-"


def _have_wheel(dest: Path, pin: str) -> bool:
    prefix = _wheel_prefix(pin)
    return any(p.name.lower().startswith(prefix) for p in dest.glob("*.whl"))


def download_wheels(
    python_version: str,
    pins: Sequence[str] = WHEEL_PINS,
    cache: Optional[Path] = None,
    pip: Sequence[str] = ("python3", "-m", "pip"),
) -> Path:
    """Download each pinned wheel for `python_version` once; returns the dir holding them."""
    dest = (cache or Path(DEFAULT_WHEELS_DIR)) / f"py{python_version}"
    dest.mkdir(parents=True, exist_ok=True)
    with locked(dest.parent / f"py{python_version}.lock"):
        for pin in pins:
            if _have_wheel(dest, pin):
                continue
            subprocess.run(
                [*pip, "download", "--no-deps", "--only-binary=:all:",
                 "--python-version", python_version, "--platform", WHEEL_PLATFORM,
                 "--index-url", PYPI_INDEX, "--dest", str(dest), pin],
                env=_pip_env(), stdin=subprocess.DEVNULL, check=True,
                capture_output=True, text=True, timeout=300,
            )
    return dest


def copy_wheels(root: RealRoot, wheels: Path, inside: str = "/root/wheels") -> str:
    """Copy downloaded wheels into the root; returns the inside dir for --find-links."""
    dest = root.host(inside)
    dest.mkdir(parents=True, exist_ok=True)
    for wheel in wheels.glob("*.whl"):
        shutil.copy2(wheel, dest / wheel.name)
    return inside


# --------------------------------------------------------------------------- skip policy


def mirror_reachable(mirror: str = MIRROR, timeout: float = 10) -> bool:
    """Whether the Debian mirror answers; a HEAD on a Release file is enough."""
    try:
        request = urllib.request.Request(f"{mirror}/dists/{RELEASES[0]}/Release", method="HEAD")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def system_skip_reason() -> Optional[str]:
    """Why system tests cannot run here, or None when they can."""
    if os.geteuid() != 0:
        return "system tests need root (chroot, overlayfs mounts)"
    for tool in ("mmdebstrap", "chroot", "mount", "umount", "findmnt"):
        if shutil.which(tool) is None:
            return f"system tests need {tool} (apt-get install mmdebstrap util-linux)"
    if not mirror_reachable():
        return f"system tests need the Debian mirror, {MIRROR} is unreachable"
    return None


def dpkg_verify(root: RealRoot, packages: str = "") -> str:
    """`dpkg -V` inside the root, less the "missing" lines of what a slim root's path filters
    kept off the disk (read here with the test's own patterns, not pyguard's reader)."""
    filtered = root.host("/etc/dpkg/dpkg.cfg.d/99mmdebstrap").is_file()
    out = root.run(f"dpkg -V {packages}".strip(), check=False).stdout.splitlines(keepends=True)
    return "".join(line for line in out
                   if not (filtered and line.startswith("missing") and _kept_off(line[12:].strip())))


def _kept_off(path: str) -> bool:
    import fnmatch

    kept_off = False
    for rule in SLIM_PATH_FILTERS:
        kind, _, pattern = rule.partition("=")
        if fnmatch.fnmatchcase(path, pattern):
            kept_off = kind == "path-exclude"
    return kept_off

