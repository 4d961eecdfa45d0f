"""Debian packages of the real bookworm and trixie roots that shadowing tests need on fake roots.

Their Depends are copied from the real roots' /var/lib/dpkg/status: these versioned relations
are what pyguard checks a shadowing copy's version against.
"""

from __future__ import annotations

from fakeroot import DIST_PACKAGES, FakeRoot, _egg_info, _package_dir


def add_rich_and_pygments(root: FakeRoot) -> None:
    """python3-rich 13.3.1 and python3-pygments 2.14.0 as in bookworm (rich needs pygments >= 2.14.0)."""
    root.install("python3-pygments", arch="all", multi_arch="foreign", source="pygments",
                 version="2.14.0+dfsg-1", depends="python3-pkg-resources, python3:any",
                 files={**_package_dir("pygments", "2.14.0"),
                        **_egg_info("Pygments", "Pygments", "2.14.0", ["pygments"])})
    root.install("python3-rich", arch="all", source="rich", version="13.3.1-1",
                 depends="python3-pygments (>= 2.14.0), python3-typing-extensions (>= 3.7.4), "
                         "python3-markdown-it, python3:any",
                 files={**_package_dir("rich", "13.3.1"),
                        **_egg_info("rich", "rich", "13.3.1", ["rich"])})


def add_setuptools(root: FakeRoot) -> None:
    """bookworm's python3-setuptools, python3-pkg-resources and python3-pip (Depends as shipped)."""
    root.install("python3-pkg-resources", arch="all", source="setuptools",
                 version="66.1.1-1+deb12u2", depends="python3:any",
                 files=_package_dir("pkg_resources", "66.1.1"))
    root.install("python3-setuptools", arch="all", source="setuptools",
                 version="66.1.1-1+deb12u2",
                 depends="python3-pkg-resources (= 66.1.1-1+deb12u2), python3-distutils, python3:any",
                 files={**_package_dir("setuptools", "66.1.1"),
                        **_package_dir("_distutils_hack", "66.1.1"),
                        f"{DIST_PACKAGES}/distutils-precedence.pth":
                            "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'stdlib') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n",
                        **_egg_info("setuptools", "setuptools", "66.1.1",
                                    ["_distutils_hack", "pkg_resources", "setuptools"])})
    root.install("python3-pip", arch="all", source="python-pip", version="23.0.1+dfsg-1",
                 depends="ca-certificates, python3-distutils, python3-setuptools, python3-wheel, "
                         "python3:any",
                 files={**_package_dir("pip", "23.0.1"),
                        **_egg_info("pip", "pip", "23.0.1", ["pip"]),
                        "/usr/bin/pip3": "#!/usr/bin/python3\n"})
