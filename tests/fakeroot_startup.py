"""Start-up hooks and shell/pip configuration as real Debian roots have them, on a FakeRoot.

A pristine Debian ships /usr/lib/python3.X/sitecustomize.py as an absolute link to the conffile
/etc/python3.X/sitecustomize.py (libpython3.X-minimal), and bookworm's python3-setuptools ships
/usr/lib/python3/dist-packages/distutils-precedence.pth, whose only line is an import line.
tests/fakeroot.py leaves both out; `debian_startup_hooks` puts them in, so tests see that Debian's
own hooks are not reported.
"""

from __future__ import annotations

from fakeroot import DIST_PACKAGES, SITECUSTOMIZE, FakeRoot, Link

DISTUTILS_PRECEDENCE = ("import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, "
                        "'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n")

ROOT_BASHRC = """\
# ~/.bashrc: executed by bash(1) for non-login shells.

# Note: PS1 and umask are already set in /etc/profile. You should not
# need this unless you want different defaults for root.
# PS1='${debian_chroot:+($debian_chroot)}\\h:\\w\\$ '
# umask 022

# You may uncomment the following lines if you want `ls' to be colorized:
# export LS_OPTIONS='--color=auto'
# eval "$(dircolors)"
"""

ROOT_PROFILE = """\
# ~/.profile: executed by Bourne-compatible login shells.

if [ "$BASH" ]; then
  if [ -f ~/.bashrc ]; then
    . ~/.bashrc
  fi
fi

mesg n 2> /dev/null || true
"""


def debian_startup_hooks(root: FakeRoot) -> FakeRoot:
    """Debian's own sitecustomize link and conffile, and setuptools' .pth, as shipped."""
    v = root.python
    root.install(f"libpython{v}-minimal", multi_arch="same", version="3.11.2-6+deb12u8"
                 if v == "3.11" else "3.13.5-2+deb13u5", source=f"python{v}",
                 files={f"/usr/lib/python{v}/os.py": f'"""os of Python {v}."""\n',
                        f"/usr/lib/python{v}/site.py": f'"""site of Python {v}."""\n',
                        f"/usr/lib/python{v}/sitecustomize.py": Link(f"/etc/python{v}/sitecustomize.py")},
                 conffiles={f"/etc/python{v}/sitecustomize.py": SITECUSTOMIZE})
    if v == "3.11":
        root.install("python3-setuptools", arch="all", version="66.1.1-1+deb12u2",
                     source="setuptools", depends="python3-pkg-resources, python3:any",
                     files={f"{DIST_PACKAGES}/distutils-precedence.pth": DISTUTILS_PRECEDENCE,
                            f"{DIST_PACKAGES}/_distutils_hack/__init__.py": "# hack\n"})
    return root


def debian_shell_files(root: FakeRoot) -> FakeRoot:
    """root's dotfiles and the empty /etc/environment of a fresh install."""
    root.write("/root/.bashrc", ROOT_BASHRC)
    root.write("/root/.profile", ROOT_PROFILE)
    root.write("/etc/environment", "")
    root.mkdir("/etc/profile.d")
    return root
