"""Virtual environments in fake roots, laid out as `python3 -m venv` and pip make them.

Modelled on a real bookworm root: `python3 -m venv /srv/app` writes pyvenv.cfg (home, include-
system-site-packages, version, executable, command), bin/python -> python3, bin/python3 ->
/usr/bin/python3 (the interpreter as it was called), bin/python3.11 -> python3, lib64 -> lib,
and pip's and setuptools' dist-info in lib/python3.11/site-packages (trixie's 3.13: pip only).
"""

from __future__ import annotations

import json
import os
from typing import Optional, Sequence, Tuple

from fakeroot import FakeRoot

PYVENV_CFG = """\
home = {home}
include-system-site-packages = {system}
version = {version}
executable = {executable}
command = {caller} -m venv {path}
"""


def make_venv(root: FakeRoot, path: str, version: str = "3.11.2",
              caller: str = "/usr/bin/python3", system: bool = False,
              packages: Sequence[Tuple[str, str, Sequence[str]]] = (),
              provided: Optional[Sequence[Tuple[str, str]]] = None) -> str:
    """A venv made by `CALLER -m venv PATH` with Python VERSION; returns its site-packages.

    `packages` are (name, version, top-level names) installed with pip; `provided` are what
    ensurepip put there (default: pip 23.0.1 and setuptools 66.1.1, as bookworm's venv does).
    """
    minor = ".".join(version.split(".")[:2])
    home = caller.rsplit("/", 1)[0]
    root.write(f"{path}/pyvenv.cfg", PYVENV_CFG.format(
        home=home, system="true" if system else "false", version=version,
        executable=f"{home}/python{minor}", caller=caller, path=path))
    root.symlink(f"{path}/bin/python", "python3")
    root.symlink(f"{path}/bin/python3", caller)
    root.symlink(f"{path}/bin/python{minor}", "python3")
    root.write(f"{path}/bin/activate", f'VIRTUAL_ENV="{path}"\n')
    root.symlink(f"{path}/lib64", "lib")
    site = f"{path}/lib/python{minor}/site-packages"
    root.mkdir(site)
    if provided is None:
        provided = [("pip", "23.0.1"), ("setuptools", "66.1.1")]
    for name, ver in provided:
        root.pip_install(site, name, ver, top_level=[name], python=minor)
    for name, ver, top in packages:
        root.pip_install(site, name, ver, top_level=list(top), python=minor)
    return site


def direct(root: FakeRoot, site: str, name: str, version: str, direct_url: dict) -> None:
    """A project pip installed from a URL: its dist-info with a PEP 610 direct_url.json."""
    dist = f"{site}/{name}-{version}.dist-info"
    root.write(f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    root.write(f"{dist}/INSTALLER", "pip\n")
    root.write(f"{dist}/direct_url.json", json.dumps(direct_url))


def editable(root: FakeRoot, site: str, name: str, version: str, source: str) -> None:
    """`pip install -e SOURCE`: direct_url.json names the source directory."""
    direct(root, site, name, version, {"url": f"file://{source}", "dir_info": {"editable": True}})


def owner_of(root: FakeRoot, path: str) -> str:
    """uid:gid of a path as the venv-broken repair's chown names it; "" for root's own."""
    st = os.stat(root.host(path))
    return "" if (st.st_uid, st.st_gid) == (0, 0) else f"{st.st_uid}:{st.st_gid}"


def pipx_app(root: FakeRoot, home: str, name: str, version: str = "3.11.2") -> str:
    """`pipx install NAME` with PIPX_HOME=home: a venv made --without-pip, the app, pipx's
    record, and pipx's own shared venv beside."""
    venv = f"{home}/venvs/{name}"
    make_venv(root, venv, version=version, provided=[],
              packages=[(name, "1.0", [name])])
    root.write(f"{venv}/pipx_metadata.json", json.dumps(
        {"main_package": {"package": name, "package_or_url": name, "pip_args": []},
         "pipx_metadata_version": "0.2", "python_version": f"Python {version}"}))
    make_venv(root, f"{home}/shared", version=version)
    return venv


def chown_tree(root: FakeRoot, path: str, uid: int) -> None:
    for top, dirs, files in os.walk(root.host(path)):
        for name in [top] + [os.path.join(top, n) for n in dirs + files]:
            os.lchown(name, uid, uid)


UV_PYVENV_CFG = """\
home = /usr/bin
implementation = CPython
uv = 0.13.9
version_info = {version}
include-system-site-packages = false
"""


def uv_tool(root: FakeRoot, home: str, name: str, version: str = "3.11.2",
            tools: str = "", bin_dir: str = "", python: str = "/usr/bin/python3") -> str:
    """`uv tool install NAME` as the user of `home`, with no Python of uv's own: the venv as uv
    0.13 makes it (bin/python -> /usr/bin/python3, bin/python3 and python3.X -> python, no
    pip), uv's receipt, the program linked in ~/.local/bin (or UV_TOOL_DIR=`tools`,
    UV_TOOL_BIN_DIR=`bin_dir`; `uv tool install --python PYTHON`). Returns the venv."""
    minor = ".".join(version.split(".")[:2])
    venv = f"{tools or home + '/.local/share/uv/tools'}/{name}"
    bin_dir = bin_dir or f"{home}/.local/bin"
    root.write(f"{venv}/pyvenv.cfg", UV_PYVENV_CFG.format(version=version))
    root.write(f"{venv}/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n")
    root.symlink(f"{venv}/bin/python", python)
    root.symlink(f"{venv}/bin/python3", "python")
    root.symlink(f"{venv}/bin/python{minor}", "python")
    root.write(f"{venv}/bin/{name}", f"#!{venv}/bin/python\nfrom {name} import main\nmain()\n")
    root.symlink(f"{venv}/lib64", "lib")
    root.pip_install(f"{venv}/lib/python{minor}/site-packages", name, "1.0", top_level=[name],
                     installer="uv", python=minor)
    root.write(f"{venv}/uv-receipt.toml", (
        f'[tool]\nrequirements = [{{ name = "{name}" }}]\nentrypoints = [\n'
        f'    {{ name = "{name}", install-path = "{bin_dir}/{name}", from = "{name}" }},\n'
        ']\n'))
    root.symlink(f"{bin_dir}/{name}", f"{venv}/bin/{name}")
    return venv


KEPT = "keep a copy of the broken venv (in /var/lib/pyguard/aside)"


def kept_copy(venv: str, label: str, user: str = "") -> str:
    """The keep-copy step's command for `venv`, run by `user`'s tar when it is hers."""
    archive = f'"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)"'
    if user:
        return (f"mkdir -p /var/lib/pyguard/aside && runuser -u {user} -- tar -C / -czf - "
                f"{venv.lstrip('/')} > {archive}")
    return f"mkdir -p /var/lib/pyguard/aside && tar -C / -czf {archive} {venv.lstrip('/')}"
