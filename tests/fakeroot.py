"""Fake Debian roots in tmp_path, laid out the way dpkg, apt and pip lay out real ones.

`FakeRoot.bookworm(tmp_path)` / `FakeRoot.trixie(tmp_path)` give a small but faithful healthy
system (modelled on pristine mmdebstrap roots); tests then break it the way users do. Every path
argument is a path *inside* the root ("/usr/bin/python3"). Nothing here is executed.

What is mimicked, because pyguard reads it:
- /var/lib/dpkg/status paragraphs in dpkg's field order; info/PKG.list with "/." and every
  parent directory, symlinks listed after the files; info/PKG.md5sums as "<md5>  usr/...";
  conffiles in the status paragraph and not in md5sums; info files of Multi-Arch: same packages
  named PKG:ARCH.
- /var/lib/dpkg/alternatives/NAME and /var/lib/dpkg/diversions in update-alternatives' and
  dpkg-divert's own formats.
- dist-info directories as pip writes them (METADATA, INSTALLER, WHEEL, RECORD with paths
  relative to the site directory, bytecode entries without hashes).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

Content = Union[str, bytes, None, "Link"]

DIST_PACKAGES = "/usr/lib/python3/dist-packages"
ELF = b"\x7fELF\x02\x01\x01\x00fake interpreter or shared object, never run\n"

EXTERNALLY_MANAGED = """\
[externally-managed]
Error=To install Python packages system-wide, try apt install
 python3-xyz, where xyz is the package you are trying to
 install.

 If you wish to install a non-Debian-packaged Python package,
 create a virtual environment using python3 -m venv path/to/venv.
 Then use path/to/venv/bin/python and path/to/venv/bin/pip. Make
 sure you have python3-full installed.

 If you wish to install a non-Debian packaged Python application,
 it may be easiest to use pipx install xyz, which will manage a
 virtual environment for you. Make sure you have pipx installed.

 See /usr/share/doc/python{version}/README.venv for more information.
"""

SITECUSTOMIZE = """\
# install the apport exception handler if available
try:
    import apport_python_hook
except ImportError:
    pass
else:
    apport_python_hook.install()
"""


@dataclass(frozen=True)
class Link:
    """A symlink as a value of `install(files=...)`: dpkg ships it and lists it, without md5."""

    target: str


@dataclass
class _Paragraph:
    name: str
    arch: str
    multi_arch: str
    version: str
    status: str
    depends: str
    pre_depends: str
    source: str
    conffiles: Dict[str, str] = field(default_factory=dict)

    @property
    def info_name(self) -> str:
        return f"{self.name}:{self.arch}" if self.multi_arch == "same" else self.name

    def render(self) -> str:
        lines = [f"Package: {self.name}", f"Status: {self.status}", "Priority: optional",
                 "Section: " + ("python" if "python" in self.name else "admin"),
                 "Installed-Size: 100",
                 "Maintainer: Debian Python Team <team+python@tracker.debian.org>",
                 f"Architecture: {self.arch}"]
        if self.multi_arch:
            lines.append(f"Multi-Arch: {self.multi_arch}")
        if self.source:
            lines.append(f"Source: {self.source}")
        lines.append(f"Version: {self.version}")
        if self.depends:
            lines.append(f"Depends: {self.depends}")
        if self.pre_depends:
            lines.append(f"Pre-Depends: {self.pre_depends}")
        if self.conffiles:
            lines.append("Conffiles:")
            lines += [f" {path} {md5}" for path, md5 in self.conffiles.items()]
        lines += [f"Description: {self.name} (fake, for pyguard's tests)",
                  " A package paragraph as dpkg writes it."]
        return "\n".join(lines) + "\n"


def md5(data: Union[str, bytes]) -> str:
    return hashlib.md5(data.encode() if isinstance(data, str) else data).hexdigest()


def _parents(path: str) -> List[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts))]


class FakeRoot:
    """A directory that looks like the root of a Debian system to pyguard."""

    def __init__(self, tmp_path: Union[str, Path], arch: str = "amd64") -> None:
        self.path = Path(tmp_path)
        self.arch = arch
        self.python = ""
        """The default python3.X this root was built with ("3.11"); empty for a bare root."""
        self._packages: Dict[Tuple[str, str], _Paragraph] = {}
        self._diversions: List[Tuple[str, str, str]] = []
        for directory in ("/var/lib/dpkg/info", "/var/lib/dpkg/alternatives",
                          "/var/lib/dpkg/updates", "/etc/alternatives"):
            self.mkdir(directory)
        self.write("/var/lib/dpkg/status", "")
        self.write("/var/lib/dpkg/diversions", "")
        self.write("/var/lib/dpkg/arch", arch + "\n")  # native architecture first, as dpkg writes it

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)

    # -- plain files ---------------------------------------------------------------------

    def host(self, inside: str) -> Path:
        """The host path of a path inside the root."""
        return self.path / inside.lstrip("/")

    def mkdir(self, path: str) -> None:
        self.host(path).mkdir(parents=True, exist_ok=True)

    def write(self, path: str, content: Union[str, bytes] = "") -> None:
        """Create or replace a regular file (a symlink at `path` is replaced, not followed)."""
        host = self.host(path)
        host.parent.mkdir(parents=True, exist_ok=True)
        if host.is_symlink():
            host.unlink()
        if isinstance(content, bytes):
            host.write_bytes(content)
        else:
            host.write_text(content, encoding="utf-8", errors="surrogateescape")

    def symlink(self, path: str, target: str) -> None:
        """Make `path` a symlink saying `target` verbatim, replacing what was there."""
        host = self.host(path)
        host.parent.mkdir(parents=True, exist_ok=True)
        if host.is_symlink() or host.is_file():
            host.unlink()
        host.symlink_to(target)

    def remove(self, path: str) -> None:
        """Delete a file, symlink or whole directory."""
        host = self.host(path)
        if host.is_symlink() or host.is_file():
            host.unlink()
        elif host.is_dir():
            import shutil
            shutil.rmtree(host)

    def rename(self, path: str, new: str) -> None:
        self.host(path).rename(self.host(new))

    def read(self, path: str) -> str:
        return self.host(path).read_text(encoding="utf-8")

    # -- dpkg ----------------------------------------------------------------------------

    def install(self, package: str, files: Optional[Mapping[str, Content]] = None,
                arch: Optional[str] = None, multi_arch: str = "", version: str = "1.0",
                status: str = "install ok installed", depends: str = "", pre_depends: str = "",
                source: str = "", conffiles: Optional[Mapping[str, str]] = None) -> None:
        """Unpack a package: write its files, its status paragraph, info/PKG.list and .md5sums.

        `files` maps paths to contents: str/bytes for a file, None for a directory, Link(...)
        for a symlink. `conffiles` maps /etc paths to their contents; they are listed in the
        status paragraph with their md5 and left out of md5sums, as dh_md5sums does.
        """
        files = dict(files or {})
        conffiles = dict(conffiles or {})
        arch = arch or self.arch
        paragraph = _Paragraph(package, arch, multi_arch, version, status, depends, pre_depends,
                               source, {p: md5(c) for p, c in conffiles.items()})
        self._packages[(package, arch)] = paragraph
        every = {**files, **conffiles}
        listed: List[str] = ["/."]
        links: List[str] = []
        sums: List[str] = []
        for path, content in every.items():
            for parent in _parents(path):
                if parent not in listed:
                    listed.append(parent)
                    self.mkdir(parent)
            if isinstance(content, Link):
                self.symlink(path, content.target)
                links.append(path)
                continue
            if path not in listed:
                listed.append(path)
            if content is None:
                self.mkdir(path)
                continue
            self.write(path, content)
            if path not in conffiles:
                sums.append(f"{md5(content)}  {path.lstrip('/')}")
        info = f"/var/lib/dpkg/info/{paragraph.info_name}"
        self.write(f"{info}.list", "".join(p + "\n" for p in listed + links))
        self.write(f"{info}.md5sums", "".join(s + "\n" for s in sums))
        self._write_status()

    def set_status(self, package: str, status: str, arch: Optional[str] = None) -> None:
        """Change a package's Status field ("deinstall ok config-files", ...)."""
        self._paragraph(package, arch).status = status
        self._write_status()

    def version_of(self, package: str, arch: Optional[str] = None) -> str:
        return self._paragraph(package, arch).version

    def purge(self, package: str, arch: Optional[str] = None) -> None:
        """Forget a package as `dpkg --purge` does, but leave its files on disk."""
        paragraph = self._paragraph(package, arch)
        del self._packages[(paragraph.name, paragraph.arch)]
        for suffix in (".list", ".md5sums"):
            self.remove(f"/var/lib/dpkg/info/{paragraph.info_name}{suffix}")
        self._write_status()

    def _paragraph(self, package: str, arch: Optional[str]) -> _Paragraph:
        for (name, a), paragraph in self._packages.items():
            if name == package and (arch is None or a == arch):
                return paragraph
        raise KeyError(package)

    def _write_status(self) -> None:
        paragraphs = sorted(self._packages.values(), key=lambda p: (p.name, p.arch))
        self.write("/var/lib/dpkg/status", "\n".join(p.render() for p in paragraphs))

    def divert(self, path: str, divert_to: str, by: str = ":", move: bool = True) -> None:
        """dpkg-divert [--rename] --divert DIVERT_TO PATH; by ":" is a local diversion."""
        self._diversions.append((path, divert_to, by))
        self.write("/var/lib/dpkg/diversions",
                   "".join(f"{p}\n{t}\n{b}\n" for p, t, b in self._diversions))
        if move and (self.host(path).exists() or self.host(path).is_symlink()):
            self.rename(path, divert_to)

    def alternative(self, name: str, link: str, choices: Sequence[Tuple[str, int]],
                    mode: str = "auto", current: Optional[str] = None,
                    make_links: bool = True) -> None:
        """What `update-alternatives --install LINK NAME PATH PRIORITY` leaves behind.

        /var/lib/dpkg/alternatives/NAME in update-alternatives' format (mode, link, the empty
        slave list, then path and priority of each choice, and a closing blank line), and,
        with make_links, LINK -> /etc/alternatives/NAME -> the current choice (in auto mode the
        highest priority).
        """
        text = f"{mode}\n{link}\n\n" + "".join(f"{p}\n{prio}\n" for p, prio in choices) + "\n"
        self.write(f"/var/lib/dpkg/alternatives/{name}", text)
        if make_links:
            chosen = current or max(choices, key=lambda c: c[1])[0]
            self.symlink(f"/etc/alternatives/{name}", chosen)
            self.symlink(link, f"/etc/alternatives/{name}")

    # -- system files ----------------------------------------------------------------------

    def debian_defaults(self, default: str, supported: Iterable[str] = ()) -> None:
        """/usr/share/python3/debian_defaults as python3-minimal ships it ("3.11", ["3.11"])."""
        self.write("/usr/share/python3/debian_defaults", debian_defaults_text(default, supported))

    def os_release(self, id: str = "debian", version_id: str = "12",
                   codename: str = "bookworm", name: str = "Debian GNU/Linux") -> None:
        """/usr/lib/os-release and the /etc/os-release link to it, as base-files ships them."""
        self.write("/usr/lib/os-release", os_release_text(id, version_id, codename, name))
        self.symlink("/etc/os-release", "../usr/lib/os-release")

    def passwd(self, users: Sequence[Tuple[str, int, str]] = ()) -> None:
        """/etc/passwd with the system accounts of a fresh install plus (name, uid, home)."""
        lines = ["root:x:0:0:root:/root:/bin/bash",
                 "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
                 "bin:x:2:2:bin:/bin:/usr/sbin/nologin",
                 "sys:x:3:3:sys:/dev:/usr/sbin/nologin",
                 "_apt:x:42:65534::/nonexistent:/usr/sbin/nologin",
                 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"]
        lines += [f"{n}:x:{uid}:{uid}:{n},,,:{home}:/bin/bash" for n, uid, home in users]
        self.write("/etc/passwd", "\n".join(lines) + "\n")
        self.mkdir("/root")
        for _, _, home in users:
            self.mkdir(home)

    # -- pip -------------------------------------------------------------------------------

    def pip_install(self, site: str, name: str, version: str,
                    top_level: Sequence[str] = (), files: Optional[Mapping[str, str]] = None,
                    installer: str = "pip", python: Optional[str] = None,
                    top_level_txt: bool = True, scripts: Optional[Mapping[str, str]] = None,
                    ) -> str:
        """What `pip install` (or `pip install --target SITE`) writes; returns the dist-info path.

        `files` maps paths relative to SITE to contents; by default each top-level name gets a
        package directory with an __init__.py. Bytecode is written to __pycache__ and listed
        in RECORD without a hash, as pip does; `scripts` go to SITE/../../../bin.
        """
        python = python or self._python_of(site)
        if files is None:
            files = {f"{top}/__init__.py": f'"""{top} {version} from PyPI."""\n__version__ = "{version}"\n'
                     for top in top_level}
        dist = f"{name.replace('-', '_')}-{version}.dist-info"
        tag = "cpython-" + python.replace(".", "")
        rows: List[List[str]] = []

        def put(rel: str, content: str) -> None:
            self.write(f"{site}/{rel}", content)
            data = content.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append([rel, f"sha256={digest}", str(len(data))])

        for rel, content in files.items():
            put(rel, content)
            if rel.endswith(".py"):
                directory, _, module = rel.rpartition("/")
                pyc = f"{directory + '/' if directory else ''}__pycache__/{module[:-3]}.{tag}.pyc"
                self.write(f"{site}/{pyc}", b"\xa7\r\r\n fake bytecode")
                rows.append([pyc, "", ""])
        for script, content in (scripts or {}).items():
            put(f"../../../bin/{script}", content)
        put(f"{dist}/INSTALLER", installer + "\n")
        put(f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                f"Summary: {name} from PyPI\n\n{name} long description\n")
        put(f"{dist}/WHEEL", "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\n"
                             "Root-Is-Purelib: true\nTag: py3-none-any\n\n")
        if top_level_txt and top_level:
            put(f"{dist}/top_level.txt", "".join(t + "\n" for t in top_level))
        put(f"{dist}/REQUESTED", "")
        rows.append([f"{dist}/RECORD", "", ""])
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(sorted(rows))
        self.write(f"{site}/{dist}/RECORD", out.getvalue())
        return f"{site}/{dist}"

    def _python_of(self, site: str) -> str:
        for part in site.split("/"):
            if part.startswith("python3."):
                return part[len("python"):]
        return self.python or "3.11"

    # -- whole systems -----------------------------------------------------------------------

    @classmethod
    def bookworm(cls, tmp_path: Union[str, Path]) -> "FakeRoot":
        """A healthy Debian 12 with Python 3.11, python3-apt, -gi, -requests, -urllib3, -six."""
        root = cls(tmp_path)
        root._base("12", "bookworm", "3.11", "3.11.2-1+b1", "3.11.2-6+deb12u8")
        v = "3.11"
        root.install("python3-apt", version="2.6.0", source="python-apt",
                     multi_arch="allowed",
                     depends="python3 (<< 3.12), python3 (>= 3.11~), python3:any, python-apt-common",
                     files={**_python_apt(v), **_egg_info("python_apt", "python-apt", "2.6.0",
                                                          ["apt", "apt_inst", "apt_pkg", "aptsources"])})
        root.install("python3-gi", version="3.42.2-3+b1", source="pygobject (3.42.2-3)",
                     multi_arch="allowed",
                     depends="python3 (<< 3.12), python3 (>= 3.11~), python3:any",
                     files={**_python_gi(v), **_egg_info("PyGObject", "PyGObject", "3.42.2",
                                                         ["gi", "pygtkcompat"])})
        root.install("python3-requests", arch="all", multi_arch="foreign", source="requests",
                     version="2.28.1+dfsg-1",
                     depends="python3-certifi, python3-charset-normalizer, python3-idna, "
                             "python3-urllib3 (>= 1.21.1), python3:any",
                     files={**_package_dir("requests", "2.28.1"),
                            **_egg_info("requests", "requests", "2.28.1", ["requests"])})
        root.install("python3-urllib3", arch="all", source="python-urllib3",
                     version="1.26.12-1+deb12u4", depends="python3:any, python3-six",
                     files={**_package_dir("urllib3", "1.26.12"),
                            **_egg_info("urllib3", "urllib3", "1.26.12", ["urllib3"])})
        root.install("python3-six", arch="all", multi_arch="foreign", source="six",
                     version="1.16.0-4", depends="python3:any",
                     files={f"{DIST_PACKAGES}/six.py": '"""six 1.16.0."""\n__version__ = "1.16.0"\n',
                            **_egg_info("six", "six", "1.16.0", ["six"])})
        root.write(f"{DIST_PACKAGES}/__pycache__/six.cpython-311.pyc", b"\xa7\r\r\n fake bytecode")
        return root

    @classmethod
    def trixie(cls, tmp_path: Union[str, Path]) -> "FakeRoot":
        """A healthy Debian 13 with Python 3.13; Debian's metadata there is mostly dist-info.

        A pristine trixie has no python3-six; python3-urllib3 2.x no longer needs it.
        """
        root = cls(tmp_path)
        root._base("13", "trixie", "3.13", "3.13.5-1", "3.13.5-2+deb13u5")
        v = "3.13"
        root.install("python3-apt", version="3.0.0", source="python-apt", multi_arch="allowed",
                     depends="python3 (<< 3.14), python3 (>= 3.13~), python3:any, python-apt-common",
                     files={**_python_apt(v), **_egg_info("python_apt", "python-apt", "3.0.0",
                                                          ["apt", "apt_inst", "apt_pkg", "aptsources"])})
        root.install("python3-gi", version="3.50.0-4+b1", source="pygobject (3.50.0-4)",
                     multi_arch="allowed",
                     depends="python3 (<< 3.14), python3 (>= 3.13~), python3:any",
                     files={**_python_gi(v), **_debian_dist_info("PyGObject", "3.50.0", None, False)})
        root.install("python3-requests", arch="all", multi_arch="foreign", source="requests",
                     version="2.32.3+dfsg-5+deb13u1",
                     depends="python3-certifi, python3-charset-normalizer, python3-idna, "
                             "python3-urllib3 (>= 1.21.1), python3:any",
                     files={**_package_dir("requests", "2.32.3"),
                            **_debian_dist_info("requests", "2.32.3", ["requests"], True)})
        root.install("python3-urllib3", arch="all", multi_arch="foreign", source="python-urllib3",
                     version="2.3.0-3+deb13u2", depends="python3:any",
                     files={**_package_dir("urllib3", "2.3.0"),
                            **_debian_dist_info("urllib3", "2.3.0", None, True)})
        return root

    def _base(self, release: str, codename: str, v: str, defaults_version: str,
              python_version: str) -> None:
        """Merged /usr, os-release, passwd and the interpreter packages of one Debian release."""
        self.python = v
        for name in ("bin", "lib", "sbin"):
            self.symlink(f"/{name}", f"usr/{name}")
        self.mkdir("/usr/sbin")
        self.install("base-files", version=f"{release}.8", multi_arch="foreign",
                     files={"/usr/lib/os-release": os_release_text(version_id=release, codename=codename),
                            "/etc/os-release": Link("../usr/lib/os-release")})
        self.passwd()
        self.install("python3.%s-minimal" % v.split(".")[1], version=python_version,
                     multi_arch="allowed", source=f"python{v}",
                     depends=f"libpython{v}-minimal (= {python_version})",
                     files={f"/usr/bin/python{v}": ELF,
                            f"/usr/share/doc/python{v}-minimal/copyright": "fake\n"})
        self.install(f"libpython{v}-minimal", multi_arch="same", version=python_version,
                     source=f"python{v}",
                     files={f"/usr/lib/python{v}/os.py": f'"""os of Python {v}."""\n',
                            f"/usr/lib/python{v}/site.py": f'"""site of Python {v}."""\n'},
                     conffiles={f"/etc/python{v}/sitecustomize.py": SITECUSTOMIZE})
        self.install(f"libpython{v}-stdlib", multi_arch="same", version=python_version,
                     source=f"python{v}", depends=f"libpython{v}-minimal (= {python_version})",
                     files={f"/usr/lib/python{v}/EXTERNALLY-MANAGED": EXTERNALLY_MANAGED.format(version=v),
                            f"/usr/lib/python{v}/json/__init__.py": '"""json."""\n'})
        self.install(f"python{v}", multi_arch="allowed", version=python_version,
                     depends=f"python{v}-minimal (= {python_version}), "
                             f"libpython{v}-stdlib (= {python_version})",
                     files={f"/usr/bin/pydoc{v}": f"#! /usr/bin/python{v}\n",
                            f"/usr/lib/python{v}": None})
        self.install("python3-minimal", multi_arch="allowed", version=defaults_version,
                     source=f"python3-defaults ({defaults_version.split('+')[0]})",
                     depends="dpkg (>= 1.13.20)", pre_depends=f"python{v}-minimal (>= {python_version.split('-')[0]}-1~)",
                     files={"/usr/bin/py3compile": "#! /usr/bin/python3\n",
                            "/usr/share/python3/debian_defaults": debian_defaults_text(v, [v]),
                            "/usr/bin/python3": Link(f"python{v}")})
        self.install("python3", multi_arch="allowed", version=defaults_version,
                     source=f"python3-defaults ({defaults_version.split('+')[0]})",
                     depends=f"python{v} (>= {python_version.split('-')[0]}-1~)",
                     pre_depends=f"python3-minimal (= {defaults_version})",
                     files={"/usr/share/doc/python3/copyright": "fake\n",
                            "/usr/bin/pydoc3": Link(f"pydoc{v}")})
        # python3.X-minimal's postinst makes these; dpkg does not own them
        self.mkdir(f"/usr/local/lib/python{v}/dist-packages")
        self.mkdir("/usr/local/bin")


def os_release_text(id: str = "debian", version_id: str = "12", codename: str = "bookworm",
                    name: str = "Debian GNU/Linux") -> str:
    """/usr/lib/os-release as Debian's base-files ships it."""
    return (f'PRETTY_NAME="{name} {version_id} ({codename})"\n'
            f'NAME="{name}"\n'
            f'VERSION_ID="{version_id}"\n'
            f'VERSION="{version_id} ({codename})"\n'
            f"VERSION_CODENAME={codename}\n"
            f"ID={id}\n"
            'HOME_URL="https://www.debian.org/"\n'
            'SUPPORT_URL="https://www.debian.org/support"\n'
            'BUG_REPORT_URL="https://bugs.debian.org/"\n')


def debian_defaults_text(default: str, supported: Iterable[str] = ()) -> str:
    """The text of /usr/share/python3/debian_defaults, as python3-minimal ships it."""
    supported = list(supported) or [default]
    minor = int(default.split(".")[1])
    old = ", ".join(f"python3.{i}" for i in range(1, minor))
    return ("[DEFAULT]\n"
            "# the default python3 version\n"
            f"default-version = python{default}\n\n"
            "# all supported python3 versions\n"
            f"supported-versions = {', '.join('python' + v for v in supported)}\n\n"
            "# formerly supported python3 versions\n"
            f"old-versions = {old}\n\n"
            "# unsupported versions, including older versions\n"
            f"unsupported-versions = {old}\n")


def extension(name: str, version: str, arch_triplet: str = "x86_64-linux-gnu") -> str:
    """apt_pkg, 3.11 -> apt_pkg.cpython-311-x86_64-linux-gnu.so"""
    return f"{name}.cpython-{version.replace('.', '')}-{arch_triplet}.so"


def _package_dir(name: str, version: str) -> Dict[str, Content]:
    return {f"{DIST_PACKAGES}/{name}/__init__.py": f'"""{name} {version} from Debian."""\n'
                                                   f'__version__ = "{version}"\n'}


def _python_apt(v: str) -> Dict[str, Content]:
    return {
        f"{DIST_PACKAGES}/apt/__init__.py": '"""apt."""\n',
        f"{DIST_PACKAGES}/apt_inst-stubs/__init__.pyi": "",
        f"{DIST_PACKAGES}/{extension('apt_inst', v)}": ELF,
        f"{DIST_PACKAGES}/apt_pkg-stubs/__init__.pyi": "",
        f"{DIST_PACKAGES}/{extension('apt_pkg', v)}": ELF,
        f"{DIST_PACKAGES}/aptsources/__init__.py": "",
    }


def _python_gi(v: str) -> Dict[str, Content]:
    return {
        f"{DIST_PACKAGES}/gi/__init__.py": '"""gi."""\n',
        f"{DIST_PACKAGES}/gi/{extension('_gi', v)}": ELF,
        f"{DIST_PACKAGES}/pygtkcompat/__init__.py": "",
    }


def _egg_info(stem: str, name: str, version: str, top_level: Sequence[str]) -> Dict[str, Content]:
    """The egg-info directory dh_python3 ships for a setup.py-built package."""
    base = f"{DIST_PACKAGES}/{stem}-{version}.egg-info"
    return {
        f"{base}/PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                            f"Summary: {name}\n",
        f"{base}/dependency_links.txt": "\n",
        f"{base}/top_level.txt": "".join(t + "\n" for t in top_level),
    }


def _debian_dist_info(name: str, version: str, top_level: Optional[Sequence[str]],
                      wheel: bool) -> Dict[str, Content]:
    """The dist-info pybuild ships: INSTALLER "debian", METADATA, no RECORD."""
    base = f"{DIST_PACKAGES}/{name}-{version}.dist-info"
    out: Dict[str, Content] = {
        f"{base}/INSTALLER": "debian\n",
        f"{base}/METADATA": f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n",
    }
    if wheel:
        out[f"{base}/WHEEL"] = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n"
    if top_level is not None:
        out[f"{base}/top_level.txt"] = "".join(t + "\n" for t in top_level)
    return out
