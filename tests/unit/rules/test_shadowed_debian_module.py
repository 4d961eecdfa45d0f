"""shadowed-debian-module: copies in root's ~/.local or /usr/local that hide Debian's modules."""

import pytest

from fakeroot_shadowing import add_rich_and_pygments, add_setuptools

LOCAL = "/usr/local/lib/python3.11/dist-packages"
ROOT_SITE = "/root/.local/lib/python3.11/site-packages"
MOVE = ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
        "--suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)\" {paths}")
MOVED = "move the shadowing copy aside (kept in /var/lib/pyguard/aside)"


def shadowed(name: str, project: str, module: str, package: str, paths, label: str,
             more: str = "", site: str = LOCAL):
    return {
        "rule": "shadowed-debian-module",
        "severity": "error",
        "title": f"{name} in {site} hides Debian's {module}",
        "detail": f"{site} comes before /usr/lib/python3/dist-packages on sys.path, so every Python "
                  f"program run as root, Debian's tools included, imports {module} from {name} there "
                  f"instead of the version {package} was built and tested with.{more}",
        "subject": f"{site}:{project}",
        "paths": paths,
        "repair": [(MOVE.format(label=label, paths=" ".join(p.lstrip("/") for p in paths)), MOVED)],
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_sudo_pip_requests_and_urllib3_hide_debian_packages(fake_root, doctor):
    fake_root.pip_install(LOCAL, "requests", "2.32.3", top_level=["requests"])
    fake_root.pip_install(LOCAL, "urllib3", "2.2.3", top_level=["urllib3"])
    assert doctor(fake_root) == [
        shadowed("requests 2.32.3", "requests", "requests", "python3-requests",
                 [f"{LOCAL}/requests-2.32.3.dist-info", f"{LOCAL}/requests"], "requests-2.32.3"),
        shadowed("urllib3 2.2.3", "urllib3", "urllib3", "python3-urllib3",
                 [f"{LOCAL}/urllib3-2.2.3.dist-info", f"{LOCAL}/urllib3"], "urllib3-2.2.3",
                 " Debian packages that depend on it: python3-requests."),
    ]


def test_wheel_without_top_level_txt_is_matched_through_record(fake_root, doctor):
    """urllib3 2.x is built with hatchling: pip writes no top_level.txt, RECORD tells the names."""
    fake_root.pip_install(LOCAL, "urllib3", "2.2.3", top_level=["urllib3"], top_level_txt=False)
    assert doctor(fake_root) == [
        shadowed("urllib3 2.2.3", "urllib3", "urllib3", "python3-urllib3",
                 [f"{LOCAL}/urllib3-2.2.3.dist-info", f"{LOCAL}/urllib3"], "urllib3-2.2.3",
                 " Debian packages that depend on it: python3-requests."),
    ]


def test_loose_six_py_copied_into_usr_local(fake_root, doctor):
    fake_root.write(f"{LOCAL}/six.py", '"""six 1.17.0"""\n')
    assert doctor(fake_root) == [
        shadowed("six", "six", "six", "python3-six", [f"{LOCAL}/six.py"], "six",
                 " Debian packages that depend on it: python3-urllib3."),
    ]


def test_urllib3_2_breaks_a_package_that_needs_urllib3_before_2(fake_root, doctor):
    """A Debian package that declares "python3-urllib3 (<< 2)" is named with the broken relation."""
    fake_root.install("python3-botocore", arch="all", version="1.29.27+repack-1",
                      depends="python3-dateutil, python3-jmespath, python3-urllib3 (<< 2), "
                              "python3-urllib3 (>= 1.25.4), python3:any")
    fake_root.pip_install(LOCAL, "urllib3", "2.2.3", top_level=["urllib3"])
    assert doctor(fake_root) == [
        shadowed("urllib3 2.2.3", "urllib3", "urllib3", "python3-urllib3",
                 [f"{LOCAL}/urllib3-2.2.3.dist-info", f"{LOCAL}/urllib3"], "urllib3-2.2.3",
                 " Debian packages that depend on it: python3-botocore, python3-requests."
                 " pip's urllib3 2.2.3 breaks python3-botocore, which needs python3-urllib3 (<< 2)."),
    ]


def test_upstream_bounds_debian_kept_in_its_metadata_count_too(fake_root, doctor):
    """Where Debian kept a project's Requires-Dist, upstream's bounds are checked as well."""
    info = "/usr/lib/python3/dist-packages/botocore-1.29.27.dist-info"
    fake_root.install("python3-botocore", arch="all", version="1.29.27+repack-1",
                      depends="python3-urllib3, python3:any",
                      files={f"{info}/METADATA": "Metadata-Version: 2.1\nName: botocore\n"
                                                 "Version: 1.29.27\n"
                                                 "Requires-Dist: urllib3 (<1.27,>=1.25.4)\n"
                                                 "Requires-Dist: urllib3<1.26 ; python_version<'3.10'\n"
                                                 "Requires-Dist: jmespath\n\nbotocore\n",
                             f"{info}/INSTALLER": "debian\n"})
    fake_root.pip_install(LOCAL, "urllib3", "2.2.3", top_level=["urllib3"])
    assert doctor(fake_root) == [
        shadowed("urllib3 2.2.3", "urllib3", "urllib3", "python3-urllib3",
                 [f"{LOCAL}/urllib3-2.2.3.dist-info", f"{LOCAL}/urllib3"], "urllib3-2.2.3",
                 " Debian packages that depend on it: python3-botocore, python3-requests."
                 " pip's urllib3 2.2.3 breaks python3-botocore, which needs urllib3<1.27,>=1.25.4 "
                 "(Requires-Dist of botocore 1.29.27)."),
    ]


def test_pip_install_user_as_root_hides_pygments_from_rich(fake_root, doctor):
    """bookworm and trixie: python3-rich Depends "python3-pygments (>= 2.14.0)"."""
    add_rich_and_pygments(fake_root)
    fake_root.pip_install(ROOT_SITE, "Pygments", "2.13.0", top_level=["pygments"],
                          scripts={"pygmentize": "#!/usr/bin/python3\n"})
    paths = [f"{ROOT_SITE}/Pygments-2.13.0.dist-info", f"{ROOT_SITE}/pygments",
             "/root/.local/bin/pygmentize"]
    assert doctor(fake_root) == [
        shadowed("Pygments 2.13.0", "Pygments", "pygments", "python3-pygments", paths,
                 "Pygments-2.13.0",
                 " Debian packages that depend on it: python3-rich. pip's Pygments 2.13.0 breaks "
                 "python3-rich, which needs python3-pygments (>= 2.14.0).", site=ROOT_SITE),
    ]


def test_setuptools_breaks_the_exact_pkg_resources_version_setuptools_needs(fake_root, doctor):
    add_setuptools(fake_root)
    fake_root.pip_install(LOCAL, "setuptools", "75.1.0",
                          top_level=["_distutils_hack", "pkg_resources", "setuptools"])
    paths = [f"{LOCAL}/setuptools-75.1.0.dist-info", f"{LOCAL}/_distutils_hack",
             f"{LOCAL}/pkg_resources", f"{LOCAL}/setuptools"]
    assert doctor(fake_root, only=["shadowed-debian-module"]) == [
        shadowed("setuptools 75.1.0", "setuptools", "_distutils_hack, pkg_resources, setuptools",
                 "python3-pkg-resources, python3-setuptools", paths, "setuptools-75.1.0",
                 " Debian packages that depend on it: python3-pip. pip's setuptools 75.1.0 breaks "
                 "python3-setuptools, which needs python3-pkg-resources (= 66.1.1-1+deb12u2)."),
    ]


def test_same_upstream_version_meets_an_exact_relation(fake_root, doctor):
    add_setuptools(fake_root)
    fake_root.pip_install(LOCAL, "setuptools", "66.1.1", top_level=["pkg_resources"])
    [finding] = doctor(fake_root, only=["shadowed-debian-module"])
    assert "breaks" not in finding["detail"]


def test_pypi_gi_is_a_name_collision_not_pygobject(fake_root, doctor):
    """PyPI's "gi" installs a top-level gi that has nothing to do with PyGObject."""
    fake_root.pip_install(LOCAL, "gi", "1.2", top_level=["gi"])
    assert doctor(fake_root) == [
        shadowed("gi 1.2", "gi", "gi", "python3-gi", [f"{LOCAL}/gi-1.2.dist-info", f"{LOCAL}/gi"],
                 "gi-1.2", " gi is another project that happens to use the same name: Debian's gi "
                 "comes from PyGObject."),
    ]


def test_root_site_and_usr_local_both_reported(fake_root, doctor):
    fake_root.pip_install(ROOT_SITE, "requests", "2.32.3", top_level=["requests"])
    fake_root.pip_install(LOCAL, "requests", "2.31.0", top_level=["requests"])
    assert [f["subject"] for f in doctor(fake_root)] == [
        f"{ROOT_SITE}:requests", f"{LOCAL}:requests"]


def test_user_site_of_a_login_user_is_left_to_the_user_rule(fake_root, doctor):
    fake_root.passwd([("alice", 1000, "/home/alice")])
    fake_root.pip_install("/home/alice/.local/lib/python3.11/site-packages", "requests", "2.32.3",
                          top_level=["requests"])
    assert doctor(fake_root, only=["shadowed-debian-module"]) == []


def test_pep440_specifiers_are_read():
    from pyguard.facts.relations import meets

    assert [meets(u, s) for u, s in [("2.2.3", "<3,>=1.21.1"), ("3.0.0", "<3,>=1.21.1"),
                                     ("0.1.2", "~=0.1"), ("1.0", "~=0.1"), ("23.2", ">= 24.0"),
                                     ("1.26.5", "==1.26.*"), ("1.27", "==1.26.*")]] == [
        True, False, True, False, False, True, False]


@pytest.mark.parametrize("upstream, relation, like, ok", [
    ("2.2.3", ("<<", "2"), "1.26.12-1", False),
    ("1.26.20", ("<<", "2"), "1.26.12-1", True),
    ("2.0.0rc1", ("<<", "2.0.0"), "", True),  # a pre-release sorts before its release
    ("66.1.1", ("=", "66.1.1-1+deb12u2"), "", True),
    ("2.28.1", ("=", "2.28.1+dfsg-1"), "", True),
    ("75.1.0", ("=", "66.1.1-1+deb12u2"), "", False),
    ("1.0", (">=", "1:0.9"), "1:0.9-1", True),  # the installed package's epoch is carried over
    ("1.0", (">=", "1:0.9"), "", False),
])
def test_versions_compare_as_debian_compares_them(upstream, relation, like, ok):
    from pyguard.facts.relations import Need, satisfies

    op, version = relation
    need = Need("user", "target", f"target ({op} {version})", op, version)
    assert satisfies(upstream, need, like) is ok
