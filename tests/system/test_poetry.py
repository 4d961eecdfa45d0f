"""poetry's venvs across the Debian 12 -> 13 upgrade, on a real root.

alice's project gets its venv from Debian's poetry on bookworm, in poetry's cache, named after
the project and Python 3.11 (shop-HASH-py3.11). Carried into trixie with her home, it runs 3.13
without its packages. poetry never uses it again: at the next `poetry install` it makes
shop-HASH-py3.13 for itself. So venv-broken only moves the old one aside (a rebuild under the old
name would be a venv nobody uses); poetry then makes the new one, and the project runs.
"""

from __future__ import annotations

from . import realroot
from .realroot import RealRoot, assert_healed, doctor

AS_ALICE = "runuser -u alice -- "
PROJECT = "/home/alice/shop"
VENVS = "/home/alice/.cache/pypoetry/virtualenvs"
PYPROJECT = """\
[tool.poetry]
name = "shop"
version = "1.0"
description = ""
authors = ["Alice <alice@example.org>"]
packages = [{include = "shop"}]

[tool.poetry.dependencies]
python = "^3.11"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""


def prepare(root: RealRoot) -> None:
    root.run("apt-get install -y -q python3-poetry", timeout=600)
    root.run("useradd -m -u 1000 -s /bin/bash alice")


def test_poetrys_venv_from_bookworm_is_moved_aside_and_poetry_makes_its_own(real_root) -> None:
    old = real_root("bookworm")
    prepare(old)
    old.write(f"{PROJECT}/pyproject.toml", PYPROJECT)
    old.write(f"{PROJECT}/shop/__init__.py", "VALUE = 42\n")
    old.run(f"chown -R alice: {PROJECT} && cd {PROJECT} && {AS_ALICE}poetry install -q")
    [name] = [p.name for p in old.host(VENVS).iterdir()]
    assert name.endswith("-py3.11")
    root = real_root("trixie")
    prepare(root)
    realroot.carry(old, root, "/home/alice")
    venv = f"{VENVS}/{name}"
    successor = f"{VENVS}/{name[:-len('3.11')]}3.13"
    code, envelope = doctor(root)
    assert (code, envelope["findings"]) == (1, [{
        "rule": "venv-broken",
        "severity": "warning",
        "title": f"virtual environment {venv} is broken",
        "detail": f"{venv} was made with Python 3.11.2, but {venv}/bin/python3 now runs Python "
                  f"3.13 (/usr/bin/python3.13), which does not look in "
                  f"{venv}/lib/python3.11/site-packages. Programs run from it fail to start or "
                  "no longer find what was installed there, read from its metadata: shop 1.0, "
                  "wheel 0.38.4. poetry never uses it again: at the next `poetry install` in the "
                  f"project it makes {successor} for Python 3.13, so this one is only moved "
                  "aside.",
        "subject": venv,
        "paths": [f"{venv}/pyvenv.cfg", f"{venv}/bin/python3"],
        "repair": [{
            "command": f"mkdir -p /var/lib/pyguard/aside && {AS_ALICE}tar -C / --remove-files "
                       f"-czf - {venv.lstrip('/')} > \"$(mktemp --suffix=.tar.gz "
                       f"/var/lib/pyguard/aside/venv-{venv.strip('/').replace('/', '-')}"
                       ".XXXXXX)\"",
            "note": "move the broken venv aside (kept in /var/lib/pyguard/aside)"}],
    }])
    assert_healed(root, envelope, f"test ! -e {venv}",
                  f"cd {PROJECT} && {AS_ALICE}poetry install -q && test -d {successor} && "
                  f"test \"$({AS_ALICE}poetry run python -c 'import shop; print(shop.VALUE)')\" "
                  "= 42")
