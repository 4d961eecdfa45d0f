"""The dpkg database, read from files under the root: who owns what, and what it shipped."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from typing import (TYPE_CHECKING, AbstractSet, Dict, Iterator, List, Mapping, Optional,
                    Sequence, Tuple)

from ..rootfs import RootFS
from ..dpkg_journal import JOURNAL

if TYPE_CHECKING:
    from .dpkg_filter import PathFilter

DPKG_DIR = "/var/lib/dpkg"
PACKAGE_LINE = re.compile(r"^Package:[ \t]*(\S+)", re.M)
STATUS_LINE = re.compile(r"^Status:[ \t]*\S+[ \t]+\S+[ \t]+(\S+)[ \t]*$", re.M)
MULTI_ARCH_LINE = re.compile(r"^Multi-Arch:[ \t]*(\S+)", re.M)
CONFFILES_FIELD = re.compile(r"^Conffiles:[^\n]*((?:\n[ \t][^\n]*)*)", re.M)
ARCH_LINE = re.compile(r"^Architecture:[ \t]*(\S+)", re.M)
NEEDLES = ("python", "pip")
"""Words in almost every path pyguard asks dpkg about; the small index covers such paths."""
INSTALLED_STATES = frozenset(("installed", "half-installed", "unpacked", "half-configured",
                              "triggers-awaited", "triggers-pending"))
LISTS_KEY = ("lines", 1)
"""The key of the lines each file list gave: they are checked list by list, by status."""
STATUS_FIELDS = ["Package", "Architecture", "Version", "Status", "Depends", "Pre-Depends",
                 "Provides", "Conffiles", "Multi-Arch", "Source"]


@dataclass(frozen=True)
class Conffile:
    path: str
    md5: str
    obsolete: bool


@dataclass(frozen=True)
class Package:
    """One package paragraph of /var/lib/dpkg/status."""

    name: str
    arch: str
    version: str
    want: str
    flag: str
    state: str
    """dpkg's state word: installed, half-configured, unpacked, triggers-pending, ..."""
    multi_arch: str
    depends: str
    conffiles: Tuple[Conffile, ...]

    @property
    def installed(self) -> bool:
        """Files are on disk: anything but not-installed and config-files."""
        return self.state in INSTALLED_STATES

    @property
    def info_name(self) -> str:
        """The stem of this package's files in /var/lib/dpkg/info (name:arch for M-A: same)."""
        if self.multi_arch == "same":
            return f"{self.name}:{self.arch}"
        return self.name


@dataclass(frozen=True)
class Diversion:
    path: str
    divert_to: str
    by: str
    """The diverting package, or ":" for a local diversion made by hand."""


@dataclass(frozen=True)
class Alternative:
    """An update-alternatives group from /var/lib/dpkg/alternatives/NAME."""

    name: str
    mode: str
    link: str
    choices: Tuple[Tuple[str, int], ...]
    """(path, priority) of each registered choice."""


class DpkgDatabase:
    """Lazy reader of /var/lib/dpkg: each part is read once, on first use."""

    def __init__(self, fs: RootFS, admindir: str = DPKG_DIR) -> None:
        self.fs = fs
        self.admindir = admindir
        self._md5_cache: Dict[str, Mapping[str, str]] = {}
        self._parsed: Dict[str, Optional[Package]] = {}
        self._under: Dict[str, Tuple[str, ...]] = {}
        self._conffiles: Dict[str, Tuple[Conffile, ...]] = {}

    @cached_property
    def present(self) -> bool:
        return self.fs.is_file(f"{self.admindir}/status")

    @cached_property
    def unusable(self) -> Optional[Tuple[str, str]]:
        """(code, message) when the database cannot be judged by: missing, or damaged so that
        packages would seem not installed (an emptied or hand-edited status file, a lost info
        directory) and every file of theirs stray. None when it is usable."""
        root, where = self.fs.root, f"{self.admindir}/status"
        if not self.present and self.fs.lstat(where) is None:
            return ("not-debian", f"{root} has no {where}: is it the root of a Debian or Ubuntu "
                                  "system?")
        damage = "" if self.present else f"{where} is not a regular file"
        damage = damage or self._damage()
        if not damage:
            return None
        return ("dpkg-database-damaged",
                f"{root}{self.admindir} looks damaged: {damage}. pyguard judges nothing by it (every "
                "package would seem gone and its files stray); dpkg keeps the status before its "
                f"last run in {where}-old, and each package's files in {self.admindir}/info")

    def _damage(self) -> str:
        text = self.status_text
        if "\r\n" in text:
            return f"{self.admindir}/status has CRLF line ends, which dpkg never writes"
        if not self._blocks:
            return f"{self.admindir}/status lists no package"
        if not self.fs.is_dir(f"{self.admindir}/info"):
            return f"{self.admindir}/info is missing"
        lists = sum(1 for name in self.fs.listdir(f"{self.admindir}/info") if name.endswith(".list"))
        if lists > 2 * len(self._blocks) + 10:
            return (f"{self.admindir}/status lists {len(self._blocks)} packages, but "
                    f"{self.admindir}/info has the file lists of {lists}")
        return ""

    @cached_property
    def journal(self) -> Tuple[str, ...]:
        """The records a killed dpkg left in its journal, oldest first (see dpkg_journal)."""
        from ..dpkg_journal import journal_names

        return tuple(journal_names(self.fs, self.admindir))

    @cached_property
    def status_text(self) -> str:
        """The status file with dpkg's journal applied, as dpkg reads its database (see
        dpkg_journal); read once per run: several facts read its paragraphs."""
        from ..dpkg_journal import journal_records, with_journal

        status = self.fs.read_text(f"{self.admindir}/status") or ""
        if not self.journal:
            return status
        return with_journal(status, journal_records(self.fs, self.admindir, self.journal))

    @cached_property
    def _blocks(self) -> Dict[str, List[str]]:
        """Raw status paragraphs by package name; python-debian parses one when it is asked for.

        A desktop's status file has thousands of paragraphs and a run needs a few dozen, so
        only the name is read up front.
        """
        where = f"{self.admindir}/status"
        blocks: Dict[str, List[str]] = {}
        for block in self.status_text.split("\n\n"):
            if not block.strip():
                continue
            m = PACKAGE_LINE.search(block)
            if m is None:
                self.fs.note("corrupt", where, "a paragraph without a Package field was skipped")
                continue
            blocks.setdefault(m.group(1), []).append(block)
        return blocks

    def package(self, name: str) -> Optional[Package]:
        """The package NAME; of several architectures' instances, an installed one, native first."""
        if name in self._parsed:
            return self._parsed[name]
        found = None
        for block in self._blocks.get(name, ()):
            package = _parse(block, self.fs, f"{self.admindir}/status")
            if package is None:
                continue
            if found is None or (package.installed and not found.installed) or (
                    package.installed and package.arch == self.native_arch):
                found = package
        self._parsed[name] = found
        return found

    def names(self) -> List[str]:
        return list(self._blocks)

    def installed(self) -> Iterator[Package]:
        return (p for p in map(self.package, self._blocks) if p is not None and p.installed)

    @cached_property
    def _states(self) -> Dict[str, Tuple[str, str]]:
        """name -> (dpkg state word, info file stem), from the Status lines alone.

        Enough to know what is installed and where its file lists are, without parsing
        thousands of paragraphs; full records come from python-debian on demand.
        """
        states: Dict[str, Tuple[str, str]] = {}
        native = self.native_arch
        for name, blocks in self._blocks.items():
            for block in blocks:
                status = STATUS_LINE.search(block)
                if status is None:
                    continue
                arch_line = ARCH_LINE.search(block)
                arch = arch_line.group(1) if arch_line else ""
                state = status.group(1)
                if name in states and states[name][0] in INSTALLED_STATES and (
                        state not in INSTALLED_STATES or arch != native):
                    continue  # keep the installed instance, the native architecture's first
                multi_arch = MULTI_ARCH_LINE.search(block)
                same = multi_arch is not None and multi_arch.group(1) == "same" and arch
                states[name] = (state, f"{name}:{arch}" if same else name)
        return states

    @cached_property
    def path_filter(self) -> "PathFilter":
        """dpkg's path-exclude and path-include rules: a file they exclude is listed as its
        package's (owners(), md5sums()) but dpkg never unpacked it."""
        from .dpkg_filter import read_path_filter

        return read_path_filter(self.fs)

    @cached_property
    def native_arch(self) -> str:
        """dpkg's native architecture: the first line of /var/lib/dpkg/arch, if it has one."""
        text = self.fs.read_text(f"{self.admindir}/arch", limit=4096) or ""
        return text.split("\n", 1)[0].strip()

    def is_installed(self, name: str) -> bool:
        return self._states.get(name, ("not-installed",))[0] in INSTALLED_STATES

    def _installed_info_names(self) -> Iterator[Tuple[str, str]]:
        return ((name, info) for name, (state, info) in self._states.items()
                if state in INSTALLED_STATES)

    def _indexed_info_names(self) -> Iterator[Tuple[str, str]]:
        """The packages whose file lists the ownership index holds: every installed one."""
        return self._installed_info_names()

    def _read_lists(self, packages: Iterator[Tuple[str, str]]) -> Iterator[Tuple[str, bytes]]:
        """(package, its info/PKG.list as bytes) of each package that has one."""
        wanted = {f"{info}.list": name for name, info in packages}
        for list_name, data in self.fs.read_many(f"{self.admindir}/info", wanted):
            if data:
                yield wanted[list_name], data

    @cached_property
    def _python_owners(self) -> Mapping[str, object]:
        """The ownership index of paths that contain "python" or "pip": most of what pyguard asks.

        Exact for such paths: a package that owns one has that word in its file list. A tenth
        of a desktop's 150,000 lines, it is quick to build and to cache.
        """
        return self._cached_index("dpkg-python-owners", NEEDLES)

    @cached_property
    def _all_owners(self) -> Mapping[str, object]:
        """The ownership index of every path, for the rarer questions about other paths."""
        return self._cached_index("dpkg-owners", ())

    def _index_for(self, path: str) -> Mapping[str, object]:
        return self._python_owners if any(n in path for n in NEEDLES) else self._all_owners

    def _cached_index(self, name: str, needles: Tuple[str, ...]) -> Mapping[str, object]:
        """path -> owning package name, or a list of names for shared paths (directories).

        Cached on disk until dpkg changes its info directory or status file; then rebuilt from
        the lines each file list gave last time, reading again only the lists dpkg rewrote.
        """
        from .. import cache

        key = self.database_key() if caching(self.fs) else None
        name = f"{name}-{'-'.join(needles)}" if needles else name
        index = cache.load(name, self.fs.root, key) if key else None
        if index is None:
            with cache.no_gc():
                known = cache.load(f"{name}-lists", self.fs.root, LISTS_KEY) if key else None
                if not isinstance(known, dict):
                    known = {} if key else None  # None: no lines are kept for a next time
                index, lines = self._build_index(needles, known)
            if key:
                cache.store(name, self.fs.root, key, index)
                cache.store(f"{name}-lists", self.fs.root, LISTS_KEY, lines)
        return index

    def database_key(self) -> Optional[Tuple[int, ...]]:
        """What facts built from the database depend on: dpkg rewrites info/ and status on
        every change, and adds each record of its journal to updates/."""
        info = self.fs.stat(f"{self.admindir}/info")
        status = self.fs.stat(f"{self.admindir}/status")
        if info is None or status is None:
            return None
        journal = self.fs.stat(f"{self.admindir}/{JOURNAL}")  # a record added or folded in
        return (info.st_dev, info.st_ino, info.st_mtime_ns, status.st_ino, status.st_mtime_ns,
                status.st_size) + ((journal.st_ino, journal.st_mtime_ns) if journal else ())

    def _build_index(self, needles: Tuple[str, ...], known: Optional[Dict[str, tuple]] = None
                     ) -> Tuple[Dict[str, object], Dict[str, tuple]]:
        """The index of the lines of every installed package's info/PKG.list that contain one
        of `needles` (every line when there are none), and those lines by list: (status of the
        list, its lines).

        A list whose status is in `known` (the same inode, size, mtime and ctime: dpkg
        replaces a list by renaming a new one onto it) gives the lines known for it unread.
        """
        index: Dict[str, object] = {}
        # the lines with a needle: split and searched in C (filter calls the pattern's search,
        # no Python frame per line), half the time of one findall of "^.*(?:python|pip).*$"
        naming = re.compile("|".join(map(re.escape, needles))).search if needles else None
        packages = list(self._indexed_info_names())
        statuses = self._list_statuses(packages) if known is not None else {}
        lines_of = {info: known[info][1] for info, status in statuses.items()
                    if _known_lines(known.get(info), status)} if known else {}
        fresh: Dict[str, Tuple[str, ...]] = {}
        for name, data in self._read_lists((name, info) for name, info in packages
                                           if info not in lines_of):
            text = data.decode("utf-8", "surrogateescape")
            if naming is None:
                fresh[name] = tuple(text.split("\n"))
            elif any(n in text for n in needles):
                fresh[name] = tuple(filter(naming, text.split("\n")))
        for name, info in packages:
            lines = lines_of[info] if info in lines_of else fresh.get(name, ())
            if not lines:
                continue
            paths = dict.fromkeys(lines, name)
            shared = paths.keys() & index.keys()  # directories, mostly: few, found in C
            previous = {path: index[path] for path in shared}
            index.update(paths)
            for path, owner in previous.items():
                if owner.__class__ is str:
                    index[path] = owner if owner == name else [owner, name]
                else:
                    if name not in owner:
                        owner.append(name)
                    index[path] = owner
        index.pop("", None)
        kept = {info: (statuses[info], lines_of[info] if info in lines_of else fresh.get(name, ()))
                for name, info in packages if statuses.get(info) is not None}
        return index, kept

    def _list_statuses(self, packages: Sequence[Tuple[str, str]]
                       ) -> Dict[str, Optional[Tuple[int, ...]]]:
        """info name -> the status of its list, taken before any is read (a list dpkg replaces
        meanwhile is read again next time); None for a list changed within a clock tick of
        now, which a change in the same tick would leave with the same status."""
        import time

        from ..journal import RACY_NS

        resolved = self.fs.resolve(f"{self.admindir}/info")
        if resolved is None:
            return {}
        racy = time.time_ns() - RACY_NS
        out: Dict[str, Optional[Tuple[int, ...]]] = {}
        for _, info in packages:
            try:
                st = self.fs.lstat_in(resolved, f"{info}.list")
            except OSError:
                continue
            out[info] = _list_status(st) if max(st.st_mtime_ns, st.st_ctime_ns) < racy else None
        return out

    def owners(self, path: str) -> Tuple[str, ...]:
        """The installed packages whose file list names `path` (directories too), as `dpkg -S`
        says: also when path_filter kept the file off the disk."""
        found = self._index_for(path).get(path)
        if found is None:
            return ()
        return (found,) if found.__class__ is str else tuple(found)

    def owners_in_lists(self, paths: Sequence[str], known: AbstractSet[str] = frozenset()
                        ) -> Dict[str, Tuple[str, ...]]:
        """owners() of a few exact paths, leaving out the `known` packages (the caller has
        them already: their lists, the interpreters' among them, are the longest).

        For a question or two on a first run, finding the lines in each list is a fraction of
        the cost of indexing them; once an index exists, owners() answers.
        """
        if any(attr in self.__dict__ for attr in ("_python_owners", "_all_owners")):
            return {path: tuple(o for o in self.owners(path) if o not in known) for path in paths}
        return self.lists_naming(paths, known)

    def lists_naming(self, paths: Sequence[str], known: AbstractSet[str] = frozenset()
                     ) -> Dict[str, Tuple[str, ...]]:
        """The installed packages, `known` ones left out, whose file list has a line `path`,
        found in the lists themselves (as bytes: nothing is decoded)."""
        lines = {path: ("\n" + path + "\n").encode("utf-8", "surrogateescape") for path in paths}
        found: Dict[str, List[str]] = {path: [] for path in paths}
        common = os.path.commonprefix(list(lines.values()))
        packages = ((name, info) for name, info in self._installed_info_names()
                    if name not in known)
        for name, data in self._read_lists(packages):
            if common not in data:  # one scan for most lists
                continue
            for path, line in lines.items():  # a list's first line is /., never one of these
                if (line in data or data.endswith(line[:-1])) and name not in found[path]:
                    found[path].append(name)
        return {path: tuple(names) for path, names in found.items()}

    def owned(self, path: str) -> bool:
        return path in self._index_for(path)

    def paths_under(self, prefix: str) -> Tuple[str, ...]:
        """Every dpkg-known path below a directory, sorted."""
        start = prefix.rstrip("/") + "/"
        if start not in self._under:
            index = self._index_for(start)
            self._under[start] = tuple(sorted(p for p in index if p.startswith(start)))
        return self._under[start]

    def md5sums(self, package: str) -> Mapping[str, str]:
        """Path -> md5 of the files a package shipped (info/PKG.md5sums; empty if none)."""
        cache = self._md5_cache
        if package in cache:
            return cache[package]
        info_name = self._states.get(package, ("", ""))[1]
        sums: Dict[str, str] = {}
        if info_name:
            text = self.fs.read_text(f"{self.admindir}/info/{info_name}.md5sums") or ""
            for line in text.split("\n"):
                digest, sep, rel = line.partition("  ")
                if sep and len(digest) == 32:
                    sums["/" + rel] = digest
        cache[package] = sums
        return sums

    def shipped_md5(self, path: str) -> Optional[Tuple[str, str]]:
        """(package, md5) of what dpkg shipped at `path`, from md5sums or conffile hashes."""
        for owner in self.owners(path):
            digest = self.md5sums(owner).get(path)
            if digest:
                return owner, digest
            for conffile in self.conffiles(owner):
                if conffile.path == path:
                    return owner, conffile.md5
        return None

    def conffiles(self, name: str) -> Tuple[Conffile, ...]:
        """The Conffiles of package NAME (the instance package() picks), read from its status
        paragraph directly: asked often, it need not import python-debian. A test holds it
        equal to package(name).conffiles."""
        if name in self._conffiles:
            return self._conffiles[name]
        chosen = None
        for block in self._blocks.get(name, ()):
            status = STATUS_LINE.search(block)
            installed = status is not None and status.group(1) in INSTALLED_STATES
            arch = ARCH_LINE.search(block)
            native = arch is not None and arch.group(1) == self.native_arch
            if chosen is None or (installed and not chosen[0]) or (installed and native):
                chosen = (installed, block)
        found: List[Conffile] = []
        if chosen is not None:
            m = CONFFILES_FIELD.search(chosen[1])
            for line in (m.group(1).split("\n") if m else ()):
                parts = line.split()
                if len(parts) >= 2 and parts[0].startswith("/"):
                    found.append(Conffile(parts[0], parts[1], "obsolete" in parts[2:]))
        self._conffiles[name] = tuple(found)
        return self._conffiles[name]

    @cached_property
    def diversions(self) -> Mapping[str, Diversion]:
        text = self.fs.read_text(f"{self.admindir}/diversions") or ""
        lines = text.split("\n")
        out: Dict[str, Diversion] = {}
        for i in range(0, len(lines) - 2, 3):
            path, divert_to, by = lines[i], lines[i + 1], lines[i + 2]
            if path.startswith("/"):
                out[path] = Diversion(path, divert_to, by)
        return out

    def alternative(self, name: str) -> Optional[Alternative]:
        """The alternatives group NAME, or None when update-alternatives has none."""
        text = self.fs.read_text(f"{self.admindir}/alternatives/{name}")
        if text is None:
            return None
        return _alternative(name, text)


def caching(fs: RootFS) -> bool:
    """Only the running system's facts are cached: examining a mounted rescue root is a
    one-off, and a diagnosis should not write to the rescue system."""
    return fs.root == "/"


def _known_lines(entry: object, status: Optional[Tuple[int, ...]]) -> bool:
    """Whether a list's cached (status, lines) holds for the status it has now."""
    return (status is not None and entry.__class__ is tuple and len(entry) == 2  # type: ignore[arg-type]
            and entry[0] == status and entry[1].__class__ is tuple)  # type: ignore[index]


def _list_status(st: os.stat_result) -> Tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _parse(block: str, fs: RootFS, where: str) -> Optional[Package]:
    """One status paragraph; one without a valid Status is noted, not raised."""
    package = _package(status_fields(block))
    if package is None:
        fs.note("corrupt", where, f"paragraph of {status_fields(block).get('Package')} has no "
                                  "valid Status")
    return package


FIELD_LINE = re.compile(r"([^:\s]+)\s*:\s*(.*?)\s*")
CANONICAL = {name.lower(): name for name in STATUS_FIELDS}


def status_fields(block: str) -> Dict[str, str]:
    """The STATUS_FIELDS of one paragraph, as python-debian's Deb822 reads them (field names
    in any case, a continuation line added after a newline, the last of a repeated field);
    test_deb822_readers holds the two equal. pyguard's own, so that it reads dpkg's database
    where dpkg unpacked it without python3-debian (apt refusing, the day it dies)."""
    fields: Dict[str, str] = {}
    current: Optional[str] = None
    for line in block.split("\n"):
        if line[:1] in (" ", "\t"):
            if current is not None and line.strip():
                fields[current] += "\n" + line.rstrip()
            continue
        m = FIELD_LINE.fullmatch(line)
        current = CANONICAL.get(m.group(1).lower()) if m else None
        if current is not None:
            fields[current] = m.group(2)
    return fields


def _package(paragraph: Mapping[str, str]) -> Optional[Package]:
    words = paragraph.get("Status", "").split()
    if len(words) != 3:
        return None
    conffiles: List[Conffile] = []
    for line in paragraph.get("Conffiles", "").split("\n"):
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("/"):
            conffiles.append(Conffile(parts[0], parts[1], "obsolete" in parts[2:]))
    depends = ", ".join(v for v in (paragraph.get("Pre-Depends"), paragraph.get("Depends")) if v)
    return Package(
        name=paragraph["Package"],
        arch=paragraph.get("Architecture", ""),
        version=paragraph.get("Version", ""),
        want=words[0],
        flag=words[1],
        state=words[2],
        multi_arch=paragraph.get("Multi-Arch", ""),
        depends=depends,
        conffiles=tuple(conffiles),
    )


def _alternative(name: str, text: str) -> Alternative:
    lines = text.split("\n")
    mode = lines[0] if lines else ""
    link = lines[1] if len(lines) > 1 else ""
    i = 2
    slaves = 0
    while i + 1 < len(lines) and lines[i]:
        slaves += 1
        i += 2
    i += 1  # the blank line ending the slave list
    choices: List[Tuple[str, int]] = []
    while i + 1 < len(lines) and lines[i]:
        path, priority = lines[i], lines[i + 1]
        choices.append((path, int(priority) if priority.lstrip("-").isdigit() else 0))
        i += 2 + slaves
    return Alternative(name, mode, link, tuple(choices))
