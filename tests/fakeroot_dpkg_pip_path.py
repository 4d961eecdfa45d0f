"""Fake-root helpers for the dpkg-state, pip-command and root-PATH rules (functions on a FakeRoot)."""

from __future__ import annotations

from fakeroot import DIST_PACKAGES, FakeRoot

PIP_SCRIPT = """\
#!/usr/bin/python3
# -*- coding: utf-8 -*-
import re
import sys
from pip._internal.cli.main import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
"""

OLD_PIP_SCRIPT = """\
#!/usr/bin/python3
# EASY-INSTALL-ENTRY-SCRIPT-LIKE: what Debian's python3-pip 9 shipped
import sys
from pip import main
if __name__ == '__main__':
    sys.exit(main())
"""


def pip_tree(site: str, version: str, main_in_init: bool = True) -> dict:
    """The files of pip's import chain: pip, pip._internal, pip._internal.cli.main."""
    init = f'__version__ = "{version}"\n'
    if main_in_init:
        init += "\n\ndef main(args=None):\n    from pip._internal.utils.entrypoints import _wrapper\n" \
                "    return _wrapper(args)\n"
    return {
        f"{site}/pip/__init__.py": init,
        f"{site}/pip/_internal/__init__.py": "from typing import List, Optional\n",
        f"{site}/pip/_internal/cli/__init__.py": '"""Subpackage containing all of pip\'s command line interface related code"""\n',
        f"{site}/pip/_internal/cli/main.py": "import sys\n\n\ndef main(args=None):\n    return 0\n",
    }


def install_python3_pip(root: FakeRoot, version: str = "23.0.1") -> None:
    """python3-pip as bookworm ships it: /usr/bin/pip, pip3, pip3.X and pip in dist-packages."""
    v = root.python
    files = {f"/usr/bin/{name}": PIP_SCRIPT for name in ("pip", "pip3", f"pip{v}")}
    files.update(pip_tree(DIST_PACKAGES, version))
    files[f"{DIST_PACKAGES}/pip-{version}.dist-info/METADATA"] = \
        f"Metadata-Version: 2.1\nName: pip\nVersion: {version}\n"
    # the test roots, like most systems with pip, have python3-venv too (ensurepip)
    root.install(f"python{v}-venv", version="3.11.2-6+deb12u8" if v == "3.11" else "3.13.5-2",
                 multi_arch="allowed", source=f"python{v}",
                 files={f"/usr/lib/python{v}/ensurepip/__init__.py": '"""ensurepip."""\n'})
    root.install("python3-pip", arch="all", multi_arch="foreign", version=f"{version}+dfsg-1",
                 source="python-pip", depends="ca-certificates, python3-setuptools, python3-wheel, "
                 "python3:any", files=files)


def root_sudoers(root: FakeRoot, secure_path: str) -> None:
    root.write("/etc/sudoers", "Defaults\tenv_reset\nDefaults\tmail_badpass\n"
                               f'Defaults\tsecure_path="{secure_path}"\n\nroot\tALL=(ALL:ALL) ALL\n'
                               "@includedir /etc/sudoers.d\n")


def login_defs(root: FakeRoot) -> None:
    """/etc/login.defs' PATH lines as Debian's login package ships them."""
    root.write("/etc/login.defs", "MAIL_DIR        /var/mail\n"
                                  "ENV_SUPATH\tPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
                                  "ENV_PATH\tPATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games\n")


DEBIAN_BASHRC = """\
# ~/.bashrc: executed by bash(1) for non-login shells.

# Note: PS1 is set in /etc/profile, and the default umask is defined
# in /etc/login.defs. You should not need this unless you want different
# defaults for root.
# PS1='${debian_chroot:+($debian_chroot)}\\h:\\w\\$ '
# umask 022
"""


CONDA_BLOCK = """\
# >>> conda initialize >>>
# !! Contents within this block are managed by 'conda init' !!
__conda_setup="$('/opt/conda/bin/conda' 'shell.bash' 'hook' 2> /dev/null)"
if [ $? -eq 0 ]; then
    eval "$__conda_setup"
else
    export PATH="/opt/conda/bin:$PATH"
fi
unset __conda_setup
# <<< conda initialize <<<
"""


def conda(root: FakeRoot) -> None:
    """conda installed in /opt/conda, as its installer leaves it."""
    root.write("/opt/conda/bin/conda", "#!/opt/conda/bin/python\n")
    root.write("/opt/conda/bin/python3.12", b"\x7fELF")
    root.symlink("/opt/conda/bin/python3", "python3.12")
