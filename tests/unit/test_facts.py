"""Facts read from a fake root: dpkg's database, Debian's Python defaults, sites and their contents."""

from fakeroot import FakeRoot, md5
from pyguard.facts import Facts
from pyguard.facts.dpkg import Alternative, Conffile, Diversion
from pyguard.facts.python import PythonDefaults, Step, read_defaults
from pyguard.facts.sites import (DEBIAN_DIST_PACKAGES as DIST, Distribution, Module, SiteDir,
                                 read_distribution, read_site, site_dirs)
from pyguard.rootfs import RootFS


def facts(root) -> Facts:
    return Facts(RootFS(str(root)))


# -- dpkg status -----------------------------------------------------------------------------

def test_status_states_decide_what_is_installed(fake_root):
    fake_root.install("python3-old", {"/usr/share/doc/python3-old/copyright": "x"},
                      status="deinstall ok config-files")
    fake_root.install("python3-half", {"/usr/share/doc/python3-half/copyright": "x"},
                      status="install reinstreq half-installed")
    fake_root.install("python3-unpacked", {"/usr/share/doc/python3-unpacked/copyright": "x"},
                      status="install ok unpacked")
    dpkg = facts(fake_root).dpkg
    assert [(n, dpkg.is_installed(n)) for n in ("python3-old", "python3-half", "python3-unpacked")] == [
        ("python3-old", False), ("python3-half", True), ("python3-unpacked", True)]
    assert dpkg.owners("/usr/share/doc/python3-old/copyright") == ()


def test_multi_arch_same_package_reads_its_name_arch_info_files(fake_root):
    f = facts(fake_root)
    package = f.dpkg.package("libpython3.11-stdlib")
    assert (package.arch, package.multi_arch, package.info_name) == ("amd64", "same",
                                                                       "libpython3.11-stdlib:amd64")
    assert f.dpkg.owners("/usr/lib/python3.11/EXTERNALLY-MANAGED") == ("libpython3.11-stdlib",)


def test_conffiles_are_parsed_with_their_md5(fake_root):
    package = facts(fake_root).dpkg.package("libpython3.11-minimal")
    text = fake_root.read("/etc/python3.11/sitecustomize.py")
    assert package.conffiles == (Conffile("/etc/python3.11/sitecustomize.py", md5(text), False),)


def test_paragraph_without_package_field_is_noted_not_raised(fake_root):
    status = fake_root.host("/var/lib/dpkg/status")
    status.write_text(status.read_text() + "\nStatus: install ok installed\nVersion: 1\n")
    f = facts(fake_root)
    assert f.dpkg.package("python3") is not None
    assert [(n.code, n.path) for n in f.fs.notes] == [("corrupt", "/var/lib/dpkg/status")]


def test_paragraph_with_a_two_word_status_is_noted(fake_root):
    status = fake_root.host("/var/lib/dpkg/status")
    status.write_text(status.read_text().replace(
        "Package: python3-six\nStatus: install ok installed", "Package: python3-six\nStatus: install ok"))
    f = facts(fake_root)
    assert f.dpkg.package("python3-six") is None
    assert [(n.code, n.path) for n in f.fs.notes] == [("corrupt", "/var/lib/dpkg/status")]


def test_status_with_garbage_bytes_keeps_the_other_packages(fake_root):
    status = fake_root.host("/var/lib/dpkg/status")
    status.write_bytes(status.read_bytes() + b"\n\xff\xfe\x00garbage\x80: \xc3\n")
    f = facts(fake_root)
    assert (f.dpkg.package("python3-minimal").version, f.dpkg.owners("/usr/bin/python3")) == (
        "3.11.2-1+b1", ("python3-minimal",))


def test_ownership_index_includes_directories_shared_by_packages(fake_root):
    dpkg = facts(fake_root).dpkg
    assert dpkg.owners("/usr/lib/python3/dist-packages/six.py") == ("python3-six",)
    assert set(dpkg.owners(DIST)) == {"python3-apt", "python3-gi", "python3-requests",
                                      "python3-urllib3", "python3-six"}
    assert dpkg.owners("/usr/local/lib/python3.11/dist-packages") == ()


def test_owners_read_from_the_lists_are_the_indexs_less_the_known_packages(fake_root):
    paths = [DIST, "/usr/lib/python3.11", "/usr/lib/python3/dist-packages/six.py", "/nowhere"]
    scanned = facts(fake_root).dpkg.owners_in_lists(paths, known=frozenset({"python3-gi"}))
    indexed = facts(fake_root).dpkg
    assert "_python_owners" not in facts(fake_root).dpkg.__dict__  # no index was built for it
    assert {p: set(o) for p, o in scanned.items()} == {
        p: set(indexed.owners(p)) - {"python3-gi"} for p in paths}
    assert indexed.owners_in_lists(paths) == {p: indexed.owners(p) for p in paths}


def test_paths_without_python_in_them_are_answered_by_the_full_index(fake_root):
    fake_root.install("lsb-release", {"/usr/bin/lsb_release": "#!/bin/sh\n",
                                      "/usr/lib/python3/dist-packages/lsb_release.py": ""})
    fake_root.install("coreutils", {"/usr/bin/ls": "ELF"})
    dpkg = facts(fake_root).dpkg
    assert (dpkg.owners("/usr/bin/lsb_release"), dpkg.owners("/usr/bin/ls"),
            dpkg.owners("/usr/lib/python3/dist-packages/lsb_release.py"),
            dpkg.owned("/usr/bin/ls"), dpkg.owned("/usr/bin/nothing")) == (
        ("lsb-release",), ("coreutils",), ("lsb-release",), True, False)
    assert dpkg.paths_under("/usr/lib/python3/dist-packages/nothing") == ()
    assert dpkg.paths_under("/usr/bin") == tuple(sorted(
        p for p in dpkg._all_owners if p.startswith("/usr/bin/")))


def test_md5sums_are_read_relative_to_the_root(fake_root):
    dpkg = facts(fake_root).dpkg
    assert dpkg.md5sums("python3-six") == {
        f"{DIST}/six.py": md5(fake_root.read(f"{DIST}/six.py")),
        f"{DIST}/six-1.16.0.egg-info/PKG-INFO": md5(fake_root.read(f"{DIST}/six-1.16.0.egg-info/PKG-INFO")),
        f"{DIST}/six-1.16.0.egg-info/dependency_links.txt": md5("\n"),
        f"{DIST}/six-1.16.0.egg-info/top_level.txt": md5("six\n"),
    }


def test_diversions_three_lines_each(fake_root):
    fake_root.divert("/usr/lib/python3.11/EXTERNALLY-MANAGED", "/usr/lib/python3.11/EXTERNALLY-MANAGED.orig")
    fake_root.divert("/bin/sh", "/bin/sh.distrib", by="dash", move=False)
    assert facts(fake_root).dpkg.diversions == {
        "/usr/lib/python3.11/EXTERNALLY-MANAGED": Diversion(
            "/usr/lib/python3.11/EXTERNALLY-MANAGED", "/usr/lib/python3.11/EXTERNALLY-MANAGED.orig", ":"),
        "/bin/sh": Diversion("/bin/sh", "/bin/sh.distrib", "dash"),
    }


def test_alternatives_file_without_slaves(fake_root):
    fake_root.alternative("python3", "/usr/bin/python3", [("/usr/bin/python3.11", 1), ("/usr/bin/python3.12", 2)])
    assert facts(fake_root).dpkg.alternative("python3") == Alternative(
        "python3", "auto", "/usr/bin/python3", (("/usr/bin/python3.11", 1), ("/usr/bin/python3.12", 2)))


def test_alternatives_file_with_slaves_as_update_alternatives_writes_it(fake_root):
    fake_root.write("/var/lib/dpkg/alternatives/awk",
                    "auto\n/usr/bin/awk\nawk.1.gz\n/usr/share/man/man1/awk.1.gz\nnawk\n/usr/bin/nawk\n\n"
                    "/usr/bin/mawk\n5\n/usr/share/man/man1/mawk.1.gz\n/usr/bin/mawk\n\n")
    assert facts(fake_root).dpkg.alternative("awk") == Alternative(
        "awk", "auto", "/usr/bin/awk", (("/usr/bin/mawk", 5),))


# -- Debian's Python --------------------------------------------------------------------------

def test_debian_defaults_of_bookworm_and_trixie(fake_root, tmp_path):
    assert read_defaults(RootFS(str(fake_root))) == PythonDefaults("3.11", ("3.11",))
    trixie = FakeRoot.trixie(tmp_path / "trixie")
    assert read_defaults(RootFS(str(trixie))) == PythonDefaults("3.13", ("3.13",))


def test_debian_defaults_missing_means_no_default(fake_root):
    fake_root.remove("/usr/share/python3/debian_defaults")
    assert read_defaults(RootFS(str(fake_root))) == PythonDefaults("", ())


def test_interpreters_with_their_binary_and_stdlib_owners(fake_root):
    (interpreter,) = facts(fake_root).interpreters
    assert (interpreter.version, interpreter.binary_present, interpreter.binary_owners,
            interpreter.stdlib_present, interpreter.stdlib_owners) == (
        "3.11", True, ("python3.11-minimal",), True, ("libpython3.11-minimal",))


def test_python3_link_chain_and_version_from_its_name(fake_root):
    link = facts(fake_root).python3
    assert (link.steps, link.final, link.kind, link.final_owners, link.version) == (
        (Step("/usr/bin/python3", "python3.11", ("python3-minimal",)),),
        "/usr/bin/python3.11", "file", ("python3.11-minimal",), "3.11")


def test_bare_python3_version_from_its_prefix_lib(fake_root):
    fake_root.write("/opt/py/bin/python3", b"\x7fELF")
    fake_root.write("/opt/py/lib/python3.12/os.py", "")
    fake_root.symlink("/usr/bin/python3", "/opt/py/bin/python3")
    link = facts(fake_root).python3
    assert (link.final, link.kind, link.version) == ("/opt/py/bin/python3", "file", "3.12")


def test_bare_python3_with_two_stdlibs_has_no_version(fake_root):
    fake_root.write("/opt/py/bin/python3", b"\x7fELF")
    fake_root.write("/opt/py/lib/python3.12/os.py", "")
    fake_root.write("/opt/py/lib/python3.13/os.py", "")
    fake_root.symlink("/usr/bin/python3", "/opt/py/bin/python3")
    assert facts(fake_root).python3.version is None


# -- sites -----------------------------------------------------------------------------------

def test_site_dirs_are_root_and_uid_1000_users_only(fake_root):
    fake_root.passwd([("alice", 1000, "/home/alice"), ("svc", 999, "/var/lib/svc"),
                      ("nobody2", 65534, "/nonexistent")])
    for home in ("/root", "/home/alice", "/var/lib/svc"):
        fake_root.mkdir(f"{home}/.local/lib/python3.11/site-packages")
    assert site_dirs(RootFS(str(fake_root)), ["3.11"]) == (
        SiteDir(DIST, "debian", None),
        SiteDir("/usr/lib/python3.11", "stdlib", "3.11"),
        SiteDir("/usr/local/lib/python3.11/dist-packages", "local", "3.11"),
        SiteDir("/root/.local/lib/python3.11/site-packages", "user", "3.11", "root"),
        SiteDir("/home/alice/.local/lib/python3.11/site-packages", "user", "3.11", "alice"),
    )


def test_pip_dist_info_with_record_installer_and_top_level(fake_root):
    site = "/usr/local/lib/python3.11/dist-packages"
    fake_root.pip_install(site, "attrs", "23.2.0", top_level=["attr", "attrs"])
    dist = read_distribution(RootFS(str(fake_root)), facts(fake_root).dpkg, site,
                             f"{site}/attrs-23.2.0.dist-info")
    assert dist == Distribution(
        site=site, metadata=f"{site}/attrs-23.2.0.dist-info", name="attrs", version="23.2.0",
        installer="pip",
        record=tuple(sorted([
            f"{site}/attr/__init__.py", f"{site}/attr/__pycache__/__init__.cpython-311.pyc",
            f"{site}/attrs/__init__.py", f"{site}/attrs/__pycache__/__init__.cpython-311.pyc",
            f"{site}/attrs-23.2.0.dist-info/INSTALLER", f"{site}/attrs-23.2.0.dist-info/METADATA",
            f"{site}/attrs-23.2.0.dist-info/RECORD", f"{site}/attrs-23.2.0.dist-info/REQUESTED",
            f"{site}/attrs-23.2.0.dist-info/WHEEL", f"{site}/attrs-23.2.0.dist-info/top_level.txt"])),
        top_level=("attr", "attrs"), owners=())


def test_debian_egg_info_directory(fake_root):
    dist = read_distribution(RootFS(str(fake_root)), facts(fake_root).dpkg, DIST,
                             f"{DIST}/requests-2.28.1.egg-info")
    assert dist == Distribution(DIST, f"{DIST}/requests-2.28.1.egg-info", "requests", "2.28.1", "",
                                (), ("requests",), ("python3-requests",))


def test_distutils_egg_info_file(fake_root):
    fake_root.write(f"{DIST}/foo-1.0.egg-info", "Metadata-Version: 1.0\nName: foo\nVersion: 1.0\n")
    dist = read_distribution(RootFS(str(fake_root)), facts(fake_root).dpkg, DIST, f"{DIST}/foo-1.0.egg-info")
    assert dist == Distribution(DIST, f"{DIST}/foo-1.0.egg-info", "foo", "1.0", "", (), (), ())


def test_loose_modules_of_dist_packages_with_owners(fake_root):
    fake_root.write(f"{DIST}/mymod.py", "")
    fs = RootFS(str(fake_root))
    contents = read_site(fs, facts(fake_root).dpkg, SiteDir(DIST, "debian", None))
    assert contents.modules == (
        Module(DIST, "apt", f"{DIST}/apt", ("python3-apt",)),
        Module(DIST, "apt_inst", f"{DIST}/apt_inst.cpython-311-x86_64-linux-gnu.so", ("python3-apt",)),
        Module(DIST, "apt_pkg", f"{DIST}/apt_pkg.cpython-311-x86_64-linux-gnu.so", ("python3-apt",)),
        Module(DIST, "aptsources", f"{DIST}/aptsources", ("python3-apt",)),
        Module(DIST, "gi", f"{DIST}/gi", ("python3-gi",)),
        Module(DIST, "mymod", f"{DIST}/mymod.py", ()),
        Module(DIST, "pygtkcompat", f"{DIST}/pygtkcompat", ("python3-gi",)),
        Module(DIST, "requests", f"{DIST}/requests", ("python3-requests",)),
        Module(DIST, "six", f"{DIST}/six.py", ("python3-six",)),
        Module(DIST, "urllib3", f"{DIST}/urllib3", ("python3-urllib3",)),
    )


def test_conffiles_read_without_python_debian_equal_the_full_parse(fake_root):
    dpkg = facts(fake_root).dpkg
    names = [n for n in dpkg.names() if dpkg.package(n) is not None]
    assert {n: dpkg.conffiles(n) for n in names} == {n: dpkg.package(n).conffiles for n in names}
    assert any(dpkg.conffiles(n) for n in names)
