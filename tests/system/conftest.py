"""Fixtures for system tests: real Debian roots, pyguard run against them, pinned wheels, and
the Debian package built once and installed into roots.

Everything under tests/system is marked `system` here, and skipped with the reason when this
machine cannot build real roots (not root, no mmdebstrap, no mirror). tests/conftest.py turns
those skips into failures when CI=true.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest

from . import realroot
from .realroot import RealRoot

SYSTEM_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """Mark every test under tests/system as `system`; skip them all if they cannot run."""
    ours = [item for item in items if SYSTEM_DIR in Path(str(item.path)).resolve().parents]
    if not ours:
        return
    reason: Optional[str] = realroot.system_skip_reason()
    for item in ours:
        item.add_marker(pytest.mark.system)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def cached_roots() -> Callable[..., Path]:
    """Pristine root per release (and mmdebstrap options: a variant such as
    realroot.SLIM_OPTIONS is a root of its own), looked up (and built if needed) once per
    session."""
    seen: Dict[Tuple[str, Tuple[str, ...]], Path] = {}

    def get(release: str, options: Sequence[str] = realroot.MMDEBSTRAP_OPTIONS) -> Path:
        key = (release, tuple(options))
        if key not in seen:
            seen[key] = realroot.cached_root(release, options=options)
        return seen[key]

    return get


@pytest.fixture(scope="session", autouse=True)
def _no_leaked_mounts() -> Iterator[None]:
    """After the session, none of this session's overlays may still be mounted."""
    yield
    leaked = realroot.leaked_mounts()
    assert leaked == [], f"mounts left behind by system tests: {leaked}"


@pytest.fixture
def real_root(cached_roots: Callable[..., Path]) -> Iterator[Callable[..., RealRoot]]:
    """Factory: `real_root("bookworm")` gives a fresh overlay, unmounted when the test ends;
    `real_root("bookworm", realroot.SLIM_OPTIONS)` one on that variant's root."""
    made: List[RealRoot] = []

    def make(release: str, options: Sequence[str] = realroot.MMDEBSTRAP_OPTIONS) -> RealRoot:
        if release.endswith(realroot.SLIM_SUFFIX):  # "bookworm-slim": a slim image's root
            release, options = release[:-len(realroot.SLIM_SUFFIX)], realroot.SLIM_OPTIONS
        root = RealRoot(release, cached_roots(release, options))
        made.append(root)
        return root

    yield make
    errors = []
    for root in reversed(made):
        try:
            root.close()
        except RuntimeError as exc:
            errors.append(str(exc))
    assert errors == [], f"cleaning up overlays failed: {errors}"


@pytest.fixture(scope="session")
def pinned_wheels() -> Callable[[RealRoot], str]:
    """`pinned_wheels(root)` copies the pinned wheels for the root's Python into /root/wheels.

    Returns the inside dir, for `pip install --no-index --find-links /root/wheels ...`.
    Wheels are downloaded once per Python version into /var/cache/pyguard-test-wheels.
    """
    dirs: Dict[str, Path] = {}

    def put(root: RealRoot, inside: str = "/root/wheels") -> str:
        version = realroot.default_python(root).removeprefix("python")
        if version not in dirs:
            dirs[version] = realroot.download_wheels(version)
        return realroot.copy_wheels(root, dirs[version], inside)

    return put


@pytest.fixture(scope="session")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pyguard_*.deb, built once per run from a clean copy of the checkout (debpkg); xdist's
    workers share the first one's build (their base temp dirs sit in the run's own)."""
    import os
    import tempfile

    from . import debpkg

    reason = debpkg.missing_build_tools()
    if reason:
        pytest.skip(reason)
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    with realroot.locked(shared / "deb.lock"):
        built = shared / "deb-built"
        if built.is_symlink():
            return built.resolve()
        deb = debpkg.build_deb(Path(tempfile.mkdtemp(prefix="deb-", dir=shared)))
        built.symlink_to(deb)
        return deb


@pytest.fixture
def installed(real_root: Callable[[str], RealRoot], deb: Path) -> Callable[[str], RealRoot]:
    """`installed("bookworm")`: a fresh overlay with the package installed."""
    from . import debpkg

    def make(release: str) -> RealRoot:
        root = real_root(release)
        debpkg.install_deb(root, deb)
        return root

    return make
