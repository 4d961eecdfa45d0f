"""dpkg's path filters: read as dpkg reads its configuration, matched as dpkg matches, and the
files they keep off the disk are not called missing."""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import List, Tuple

import pytest

from pyguard.facts import Facts
from pyguard.facts.dpkg_filter import (PathFilter, PathRule, config_files, parse_options,
                                       read_path_filter, translate)
from pyguard.facts.verify import PackageFiles, gather_verification
from pyguard.rootfs import RootFS

CFG_D = "/etc/dpkg/dpkg.cfg.d"


def rules(*pairs: Tuple[str, str]) -> PathFilter:
    """A filter from ("exclude"|"include", pattern) pairs, in order."""
    return PathFilter(tuple(PathRule(kind == "include", pattern, f"test:{n}")
                            for n, (kind, pattern) in enumerate(pairs, 1)))


def excluded(path_filter: PathFilter, paths: List[str]) -> List[str]:
    return [path for path in paths if path_filter.excluded(path)]


# -- matching: dpkg(1)'s examples -----------------------------------------------------------------

DOCS = rules(("exclude", "/usr/share/doc/*"), ("include", "/usr/share/doc/*/copyright"))


def test_dpkg_manual_example_keeps_only_the_copyright_files():
    paths = ["/usr/share/doc/python3.11/README.venv", "/usr/share/doc/python3.11/copyright",
             "/usr/share/doc/python3.11/changelog.Debian.gz", "/usr/share/doc/python3/copyright",
             "/usr/share/doc/copyright", "/usr/share/docs/x", "/usr/lib/python3.11/os.py",
             "/usr/share/doc/python3.11/examples/copyright"]
    # `*` matches `/` as well: a copyright file deeper down is re-admitted too
    assert excluded(DOCS, paths) == ["/usr/share/doc/python3.11/README.venv",
                                     "/usr/share/doc/python3.11/changelog.Debian.gz",
                                     "/usr/share/doc/copyright"]


def test_star_and_question_mark_match_slashes_as_dpkg_manual_says():
    readme = rules(("exclude", "/usr/*/READ*"))
    assert excluded(readme, ["/usr/share/doc/package/README", "/usr/READ", "/usr/bin/python3",
                             "/opt/share/README"]) == ["/usr/share/doc/package/README"]
    one = rules(("exclude", "/usr/share/man?man?"))
    assert excluded(one, ["/usr/share/man/man1", "/usr/share/manXman1", "/usr/share/man/man1/x",
                          "/usr/share/man/man"]) == ["/usr/share/man/man1", "/usr/share/manXman1"]


def test_the_whole_path_must_match():
    exact = rules(("exclude", "/usr/share/doc"))
    assert excluded(exact, ["/usr/share/doc", "/usr/share/doc/x", "/x/usr/share/doc"]) == [
        "/usr/share/doc"]


def test_the_last_rule_that_matches_decides():
    paths = ["/usr/share/doc/a/copyright", "/usr/share/doc/a/README"]
    assert excluded(rules(("include", "/usr/share/doc/*/copyright"),
                          ("exclude", "/usr/share/doc/*")), paths) == paths
    assert excluded(rules(("exclude", "/usr/share/doc/*"), ("include", "/usr/share/doc/*/copyright"),
                          ("exclude", "/usr/share/doc/a/*")), paths) == paths
    assert excluded(rules(("exclude", "/usr/share/doc/*"), ("include", "/usr/share/doc/a/*"),
                          ("exclude", "/usr/share/doc/*/README")), paths) == [
        "/usr/share/doc/a/README"]


def test_an_include_alone_excludes_nothing():
    assert excluded(rules(("include", "/usr/*")), ["/usr/bin/python3", "/etc/x"]) == []
    assert excluded(PathFilter(), ["/usr/bin/python3", "/usr/share/doc/x"]) == []


def test_bracket_expressions():
    man = rules(("exclude", "/usr/share/man/*"), ("include", "/usr/share/man/man[1-8]/*"))
    assert excluded(man, ["/usr/share/man/man1/python3.1.gz", "/usr/share/man/man9/x.9.gz",
                          "/usr/share/man/de/man1/python3.1.gz", "/usr/share/man/manx/y"]) == [
        "/usr/share/man/man9/x.9.gz", "/usr/share/man/de/man1/python3.1.gz",
        "/usr/share/man/manx/y"]
    negated = rules(("exclude", "/l/[!a-c]*"), ("exclude", "/m/[^a-c]*"))
    assert excluded(negated, ["/l/a", "/l/d", "/m/b", "/m/z", "/l//x"]) == ["/l/d", "/m/z", "/l//x"]
    literal = rules(("exclude", "/x/[]]"), ("exclude", "/y/[a-]"), ("exclude", "/z/[[:digit:]]"))
    assert excluded(literal, ["/x/]", "/x/a", "/y/-", "/y/a", "/y/b", "/z/7", "/z/x"]) == [
        "/x/]", "/y/-", "/y/a", "/z/7"]


def test_backslash_quotes_and_an_unclosed_bracket_is_literal():
    quoted = rules(("exclude", "/a/\\*"), ("exclude", "/b/[x"), ("exclude", "/c/x\\"))
    assert excluded(quoted, ["/a/*", "/a/b", "/b/[x", "/b/x", "/c/x\\", "/c/x"]) == ["/a/*", "/b/[x"]


def test_directories_and_links_below_an_include_are_kept():
    slim = rules(("exclude", "/usr/share/doc/*"), ("include", "/usr/share/doc/*/copyright"),
                 ("exclude", "/usr/share/man/*"))
    paths = ["/usr/share/doc/python3.11", "/usr/share/doc/python3.11/changelog.gz",
             "/usr/share/man/man1", "/usr/bin"]
    assert [p for p in paths if slim.excluded_directory(p)] == ["/usr/share/man/man1"]
    assert [p for p in paths if slim.excluded(p)] == paths[:3]
    # an include that starts with a wildcard keeps every directory
    assert not rules(("exclude", "/usr/*"), ("include", "*.py")).excluded_directory("/usr/lib")


LIBC = ctypes.util.find_library("c")


@pytest.mark.skipif(LIBC is None, reason="no C library to compare fnmatch with")
def test_translation_agrees_with_the_c_librarys_fnmatch():
    """dpkg calls fnmatch(pattern, path, 0): the translation answers as glibc does."""
    import re

    fnmatch = ctypes.CDLL(LIBC).fnmatch
    fnmatch.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
    patterns = ["/usr/share/doc/*", "/usr/share/doc/*/copyright", "*", "?", "/a*b?c", "*/.hidden",
                "/x/[abc]", "/x/[!abc]", "/x/[^abc]", "/x/[]a]", "/x/[!]a]", "/x/[a-c]*",
                "/x/[c-a]", "/x/[a-]", "/x/[-a]", "/x/[[:alpha:]]", "/x/[[:digit:][:upper:]]",
                "/x/[[:nope:]]", "/x/[", "/x/[a", "/x/\\*", "/x/\\", "/x/a\\b", "/x/[\\]]",
                "/x/[\\!a]", "/x/[/]", "/x/**", "/x/*.[ch]", "/x/[.]*", "/x/[[]", "/x/[=a=]"]
    paths = ["/usr/share/doc/a/copyright", "/usr/share/doc/", "/usr/share/doc", "/", "a", "",
             "/aXbYc", "/a/b/c", "/d/.hidden", "/x/a", "/x/d", "/x/]", "/x/b", "/x/-", "/x/A",
             "/x/7", "/x/[", "/x/*", "/x/\\", "/x/ab", "/x/!", "/x//", "/x/a/b", "/x/f.c",
             "/x/.c", "/x/[a", "/x/a\\b"]
    wrong = []
    for pattern in patterns:
        regex = re.compile(translate(pattern), re.DOTALL)
        for path in paths:
            expected = fnmatch(pattern.encode(), path.encode(), 0) == 0
            if (regex.fullmatch(path) is not None) != expected:
                wrong.append((pattern, path, expected))
    assert wrong == []


# -- reading dpkg's configuration ---------------------------------------------------------------


def test_options_are_read_as_dpkg_reads_them():
    text = ("# comment\n"
            "\n"
            "path-exclude=/usr/share/doc/*\n"
            "path-include /usr/share/doc/*/copyright   \n"
            "path-exclude = /usr/share/man/*\r\n"
            "path-exclude \"/usr/share/locale/*\"\n"
            "path-include='/usr/share/locale/locale.alias'\n"
            "force-unsafe-io\n"
            "log /var/log/dpkg.log\n"
            "--path-exclude=/usr/share/info/*\n"
            "  path-exclude=/usr/share/groff/*\n"
            "path-exclude\n"
            "path-exclude \"/usr/share/lintian/*\n"
            "#path-exclude=/usr/lib/*\n")
    assert list(parse_options(text)) == [
        (3, "path-exclude", "/usr/share/doc/*", ""),
        (4, "path-include", "/usr/share/doc/*/copyright", ""),
        (5, "path-exclude", "/usr/share/man/*", ""),
        (6, "path-exclude", "/usr/share/locale/*", ""),
        (7, "path-include", "/usr/share/locale/locale.alias", ""),
        (8, "force-unsafe-io", None, ""),
        (9, "log", "/var/log/dpkg.log", ""),
        (10, "--path-exclude", "/usr/share/info/*",
         "'--path-exclude': dpkg's configuration files write options without their leading hyphens"),
        (11, "", "path-exclude=/usr/share/groff/*", "a line must start with an option name"),
        (12, "path-exclude", None, "path-exclude needs a value"),
        (13, "path-exclude", None, "unbalanced quotes in '\"/usr/share/lintian/*'"),
    ]


def test_files_are_read_in_dpkgs_order_and_odd_names_skipped(fake_root):
    fake_root.write("/etc/dpkg/dpkg.cfg", "# dpkg.cfg\nno-debsig\npath-exclude=/usr/share/doc/a/*\n")
    fake_root.write(f"{CFG_D}/20include", "path-include=/usr/share/doc/*/copyright\n")
    fake_root.write(f"{CFG_D}/10-exclude", "path-exclude /usr/share/doc/*\n")
    fake_root.write(f"{CFG_D}/excludes", "path-exclude=/usr/share/man/*\n")
    fake_root.write("/root/.dpkg.cfg", "path-include=/usr/share/man/man1/*\n")
    for skipped in ("30.conf", "40include.dpkg-dist", "50include~", ".60include"):
        fake_root.write(f"{CFG_D}/{skipped}", "path-include=/usr/share/*\n")
    fs = RootFS(str(fake_root))
    assert config_files(fs) == [f"{CFG_D}/10-exclude", f"{CFG_D}/20include", f"{CFG_D}/excludes",
                                "/etc/dpkg/dpkg.cfg", "/root/.dpkg.cfg"]
    assert read_path_filter(fs) == PathFilter((
        PathRule(False, "/usr/share/doc/*", f"{CFG_D}/10-exclude:1"),
        PathRule(True, "/usr/share/doc/*/copyright", f"{CFG_D}/20include:1"),
        PathRule(False, "/usr/share/man/*", f"{CFG_D}/excludes:1"),
        PathRule(False, "/usr/share/doc/a/*", "/etc/dpkg/dpkg.cfg:3"),
        PathRule(True, "/usr/share/man/man1/*", "/root/.dpkg.cfg:1"),
    ))
    assert fs.notes == []
    assert excluded(read_path_filter(fs), ["/usr/share/doc/a/copyright", "/usr/share/doc/b/copyright",
                                           "/usr/share/doc/b/NEWS.gz", "/usr/share/man/man1/x.1.gz",
                                           "/usr/share/man/man8/y.8.gz",
                                           "/usr/share/python3/debian_defaults"]) == [
        "/usr/share/doc/a/copyright", "/usr/share/doc/b/NEWS.gz", "/usr/share/man/man8/y.8.gz"]


def test_a_line_dpkg_refuses_is_noted_and_filters_nothing(fake_root):
    fake_root.write(f"{CFG_D}/local", "--path-exclude=/usr/share/doc/*\npath-exclude=/usr/share/man/*\n")
    fs = RootFS(str(fake_root))
    assert read_path_filter(fs) == PathFilter((
        PathRule(False, "/usr/share/man/*", f"{CFG_D}/local:2"),))
    assert [(n.code, n.path, n.message) for n in fs.notes] == [
        ("corrupt", f"{CFG_D}/local",
         "line 1: '--path-exclude': dpkg's configuration files write options without their leading "
         "hyphens; dpkg refuses to run with it, and pyguard reads no path filter from it")]


def test_no_configuration_means_no_filter(fake_root):
    fs = RootFS(str(fake_root))
    assert read_path_filter(fs) == PathFilter()
    assert Facts(fs).dpkg.path_filter == PathFilter()


# Ubuntu's minimised images (22.04's docker image): dpkg.cfg.d/excludes, which unminimize removes.
UBUNTU_EXCLUDES = """\
# This is a docker image, and all docs are removed.
# Drop all man pages
path-exclude=/usr/share/man/*

# Drop all translations
path-exclude=/usr/share/locale/*/LC_MESSAGES/*.mo

# Drop all documentation ...
path-exclude=/usr/share/doc/*

# ... except copyright files ...
path-include=/usr/share/doc/*/copyright

# ... and Debian changelogs
path-include=/usr/share/doc/*/changelog.Debian.*
"""


def test_ubuntus_minimised_image_excludes(fake_root):
    fake_root.write(f"{CFG_D}/excludes", UBUNTU_EXCLUDES)
    fake_root.write("/usr/local/sbin/unminimize", "#!/bin/sh\n")
    path_filter = Facts(RootFS(str(fake_root))).dpkg.path_filter
    assert excluded(path_filter, [
        "/usr/share/doc/python3.10/README.venv", "/usr/share/doc/python3.10/copyright",
        "/usr/share/doc/python3.10/changelog.Debian.gz", "/usr/share/man/man1/python3.10.1.gz",
        "/usr/share/locale/de/LC_MESSAGES/apt.mo", "/usr/share/locale/locale.alias",
        "/usr/lib/python3.10/os.py"]) == [
        "/usr/share/doc/python3.10/README.venv", "/usr/share/man/man1/python3.10.1.gz",
        "/usr/share/locale/de/LC_MESSAGES/apt.mo"]


# -- verification: what dpkg never unpacked is not missing ---------------------------------------

DIST = "/usr/lib/python3/dist-packages"
YAML_FILES = {
    f"{DIST}/yaml/__init__.py": '"""yaml 6.0."""\n',
    "/usr/share/doc/python3-yaml/copyright": "copyright\n",
    "/usr/share/doc/python3-yaml/changelog.Debian.gz": b"\x1f\x8b changelog",
    "/usr/share/man/man1/yaml.1.gz": b"\x1f\x8b man page",
    "/usr/share/locale/de/LC_MESSAGES/python3-yaml.mo": b"\xde\x12\x04\x95",
}
DOCKER_SLIM = ("path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\n"
               "path-exclude /usr/share/locale/*\npath-exclude /usr/share/man/*\n")
AFTER = "dpkg recorded the md5 of every file python3-yaml installed; these no longer match."
CODE = ("Python programs run as root, Debian's own tools among them, import whatever is on disk "
        "now: a missing module breaks them, an edited one runs code Debian never shipped.")
DATA = ("Data files are read as they are now: a missing one breaks what needs it, an edited one "
        "changes what the programs that read it get.")


def slim(fake_root):
    """python3-yaml installed as a slim image installs it: the filtered files never unpacked."""
    fake_root.install("python3-yaml", version="6.0-3+b2", files=YAML_FILES)
    fake_root.write(f"{CFG_D}/docker", DOCKER_SLIM)
    for path in YAML_FILES:
        if "/doc/" in path and not path.endswith("/copyright") or "/man/" in path or "/locale/" in path:
            fake_root.remove(path)
    return fake_root


def yaml_finding(state: str, paths: List[str], consequence: str = DATA) -> dict:
    return {
        "rule": "modified-debian-file",
        "severity": "error",
        "title": "files of python3-yaml are not as Debian shipped them",
        "detail": f"{state} {AFTER} {consequence}",
        "subject": "python3-yaml",
        "paths": paths,
        "repair": [("apt-get install --reinstall -y python3-yaml",
                    "restore the package's files as shipped")],
    }


def test_a_slim_root_is_clean(fake_root, doctor):
    slim(fake_root)
    assert doctor(fake_root) == []
    verification = Facts(RootFS(str(fake_root))).get(gather_verification)
    assert (verification.broken, verification.filtered) == ((), 3)


def test_without_the_filter_the_same_files_are_missing(fake_root, doctor):
    slim(fake_root)
    fake_root.remove(f"{CFG_D}/docker")
    gone = ["/usr/share/doc/python3-yaml/changelog.Debian.gz", "/usr/share/man/man1/yaml.1.gz",
            "/usr/share/locale/de/LC_MESSAGES/python3-yaml.mo"]  # in md5sums' order
    assert doctor(fake_root) == [yaml_finding(f"Missing: {', '.join(gone)}.", sorted(gone))]


def test_a_file_the_filter_readmits_is_still_missing_when_gone(fake_root, doctor):
    slim(fake_root)
    copyright = "/usr/share/doc/python3-yaml/copyright"
    fake_root.remove(copyright)
    assert doctor(fake_root) == [yaml_finding(f"Missing: {copyright}.", [copyright])]
    verification = Facts(RootFS(str(fake_root))).get(gather_verification)
    assert verification.broken == (PackageFiles("python3-yaml", (copyright,), (), (), ()),)


def test_an_excluded_path_is_not_judged_even_when_something_is_there(fake_root, doctor):
    slim(fake_root)
    fake_root.write("/usr/share/man/man1/yaml.1.gz", "not what Debian shipped\n")
    module = f"{DIST}/yaml/__init__.py"
    fake_root.write(module, "import os\n")
    assert doctor(fake_root) == [{
        **yaml_finding(f"Changed: {module}.", [module], CODE),
        "repair": [
            ("mkdir -p /var/lib/pyguard/aside && tar -C / -czf \"$(mktemp --suffix=.tar.gz "
             "/var/lib/pyguard/aside/python3-yaml-changed.XXXXXX)\" " + module.lstrip("/"),
             "keep a copy of the changed files (in /var/lib/pyguard/aside) before the reinstall "
             "replaces them"),
            ("apt-get install --reinstall -y python3-yaml", "restore the package's files as shipped"),
        ],
    }]


def test_the_filter_applies_to_the_packages_path_not_where_a_diversion_sends_it(fake_root, doctor):
    slim(fake_root)
    manpage = "/usr/share/man/man1/yaml.1.gz"
    fake_root.write("/usr/share/yaml.1.gz.real", "a diverted copy\n")
    fake_root.divert(manpage, "/usr/share/yaml.1.gz.real", by="local-yaml", move=False)
    assert doctor(fake_root) == []
