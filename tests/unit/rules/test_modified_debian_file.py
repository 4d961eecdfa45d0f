"""modified-debian-file: the files of Debian's Python packages are as dpkg unpacked them."""

from fakeroot import FakeRoot
from fakeroot_startup import debian_startup_hooks

DIST = "/usr/lib/python3/dist-packages"
REQUESTS = f"{DIST}/requests/__init__.py"
SIX = f"{DIST}/six.py"
SITECUSTOMIZE = "/etc/python3.11/sitecustomize.py"
AFTER = "dpkg recorded the md5 of every file {package} installed; these no longer match."
CODE = ("Python programs run as root, Debian's own tools among them, import whatever is on disk "
        "now: a missing module breaks them, an edited one runs code Debian never shipped.")
CONFIGURATION = ("Configuration files are read as they are now: a missing or edited one makes the "
                 "programs that read it behave other than Debian configured them.")
CERTIFICATE = ("Certificate files decide which servers TLS connections trust: a missing one makes "
               "those connections fail, an edited one makes them trust certificates Debian never "
               "shipped.")
DATA = ("Data files are read as they are now: a missing one breaks what needs it, an edited one "
        "changes what the programs that read it get.")
KEEP = ("mkdir -p /var/lib/pyguard/aside && tar -C / -czf \"$(mktemp --suffix=.tar.gz "
        "/var/lib/pyguard/aside/{package}-changed.XXXXXX)\" {paths}")
KEPT = "keep a copy of the changed files (in /var/lib/pyguard/aside) before the reinstall replaces them"
CONFNEW = ("apt-get install --reinstall -y -o Dpkg::Options::=--force-confask "
           "-o Dpkg::Options::=--force-confnew {package}")
CONFNEW_NOTE = ("restore the package's files and its configuration files {conffiles} as shipped; "
                "dpkg also keeps each edited one as FILE.dpkg-old")


def finding(package: str, state: str, paths, repair, consequences=(CODE,)):
    return {
        "rule": "modified-debian-file",
        "severity": "error",
        "title": f"files of {package} are not as Debian shipped them",
        "detail": " ".join([state, AFTER.format(package=package), *consequences]),
        "subject": package,
        "paths": sorted(paths),
        "repair": repair,
    }


def keep(package: str, *paths: str):
    return (KEEP.format(package=package, paths=" ".join(p.lstrip("/") for p in paths)), KEPT)


def reinstall(package: str):
    return (f"apt-get install --reinstall -y {package}", "restore the package's files as shipped")


def confnew(package: str, *conffiles: str):
    return (CONFNEW.format(package=package), CONFNEW_NOTE.format(conffiles=", ".join(conffiles)))


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_healthy_trixie_has_no_findings(tmp_path, doctor):
    assert doctor(FakeRoot.trixie(tmp_path)) == []


def test_edited_module_of_python3_requests(fake_root, doctor):
    fake_root.write(REQUESTS, '"""requests 2.28.1 from Debian."""\n__version__ = "2.28.1"\nimport os\n')
    assert doctor(fake_root) == [
        finding("python3-requests", f"Changed: {REQUESTS}.", [REQUESTS],
                [keep("python3-requests", REQUESTS), reinstall("python3-requests")]),
    ]


def test_deleted_module_of_python3_six_needs_no_copy(fake_root, doctor):
    fake_root.remove(SIX)
    assert doctor(fake_root) == [
        finding("python3-six", f"Missing: {SIX}.", [SIX], [reinstall("python3-six")]),
    ]


def test_stdlib_file_moved_away_by_a_makefile(fake_root, doctor):
    """CORPUS 8: a Makefile moved files of the standard library; libpython3.11-minimal lost them."""
    fake_root.rename("/usr/lib/python3.11/site.py", "/root/site.py")
    assert doctor(fake_root) == [
        finding("libpython3.11-minimal", "Missing: /usr/lib/python3.11/site.py.",
                ["/usr/lib/python3.11/site.py"], [reinstall("libpython3.11-minimal")]),
    ]


def test_changed_conffile_is_restored_with_confask_and_confnew(fake_root, doctor):
    conf = "/etc/python3/debian_config"
    fake_root.install("python3-minimal", conffiles={conf: "[DEFAULT]\nbyte-compile = standard\n"},
                      files={"/usr/bin/py3compile": "#! /usr/bin/python3\n"})
    fake_root.write(conf, "[DEFAULT]\nbyte-compile = none\n")
    assert doctor(fake_root) == [
        finding("python3-minimal", f"Changed configuration file: {conf}.", [conf],
                [keep("python3-minimal", conf), confnew("python3-minimal", conf)],
                [CONFIGURATION]),
    ]


def test_deleted_conffile_and_edited_file_of_the_same_package(fake_root, doctor):
    conf = "/etc/python3/debian_config"
    fake_root.install("python3-minimal", conffiles={conf: "[DEFAULT]\n"},
                      files={"/usr/bin/py3compile": "#! /usr/bin/python3\n"})
    fake_root.remove(conf)
    fake_root.write("/usr/bin/py3compile", "#! /usr/bin/python3.12\n")
    assert doctor(fake_root) == [
        finding("python3-minimal",
                f"Changed: /usr/bin/py3compile. Missing configuration file: {conf}.",
                ["/usr/bin/py3compile", conf],
                [keep("python3-minimal", "/usr/bin/py3compile"), confnew("python3-minimal", conf)],
                [CODE, CONFIGURATION]),
    ]


def test_changed_sitecustomize_conffile_is_left_to_startup_hook(fake_root, doctor):
    debian_startup_hooks(fake_root)
    fake_root.write(SITECUSTOMIZE, "import evil\n")
    assert [f["rule"] for f in doctor(fake_root)] == ["startup-hook"]


def test_package_with_python_files_but_another_name(fake_root, doctor):
    """lsb-release ships /usr/lib/python3/dist-packages/lsb_release.py: all its files count."""
    fake_root.install("lsb-release", files={f"{DIST}/lsb_release.py": "def get_os_release(): pass\n",
                                            "/usr/bin/lsb_release": "#!/bin/sh\n"})
    fake_root.remove("/usr/bin/lsb_release")
    fake_root.write(f"{DIST}/lsb_release.py", "")
    assert doctor(fake_root) == [
        finding("lsb-release", f"Missing: /usr/bin/lsb_release. Changed: {DIST}/lsb_release.py.",
                ["/usr/bin/lsb_release", f"{DIST}/lsb_release.py"],
                [keep("lsb-release", f"{DIST}/lsb_release.py"), reinstall("lsb-release")]),
    ]


def test_lsb_release_as_a_shell_script_is_verified_too(fake_root, doctor):
    """Debian 12 and 13 ship lsb_release as a shell script, no Python file: it was not verified,
    and its removal (pip#4924's "fix") or an edited first line went unsaid."""
    fake_root.install("lsb-release", files={"/usr/bin/lsb_release": "#!/bin/sh\n# SPDX\n",
                                            "/usr/share/doc/lsb-release/copyright": "GPL\n"})
    fake_root.remove("/usr/bin/lsb_release")
    assert doctor(fake_root) == [
        finding("lsb-release", "Missing: /usr/bin/lsb_release.", ["/usr/bin/lsb_release"],
                [reinstall("lsb-release")]),
    ]
    fake_root.write("/usr/bin/lsb_release", "#!/usr/bin/python3.12\n# SPDX\n")
    assert doctor(fake_root) == [
        finding("lsb-release", "Changed: /usr/bin/lsb_release.", ["/usr/bin/lsb_release"],
                [keep("lsb-release", "/usr/bin/lsb_release"), reinstall("lsb-release")]),
    ]


def test_a_certificate_bundle_is_no_code(fake_root, doctor):
    """pip's vendored certifi: an edited cacert.pem changes whom pip trusts; it runs nothing."""
    pem = f"{DIST}/pip/_vendor/certifi/cacert.pem"
    fake_root.install("python3-pip", files={pem: "-----BEGIN CERTIFICATE-----\n",
                                            f"{DIST}/pip/py.typed": ""})
    fake_root.write(pem, "-----BEGIN CERTIFICATE-----\nlocal CA\n")
    assert doctor(fake_root, only=["modified-debian-file"]) == [
        finding("python3-pip", f"Changed: {pem}.", [pem], [keep("python3-pip", pem),
                                                            reinstall("python3-pip")],
                [CERTIFICATE]),
    ]
    fake_root.remove(f"{DIST}/pip/py.typed")
    assert doctor(fake_root, only=["modified-debian-file"])[0]["detail"] == " ".join([
        f"Missing: {DIST}/pip/py.typed. Changed: {pem}.", AFTER.format(package="python3-pip"),
        CERTIFICATE, DATA])


def test_a_changed_program_without_a_suffix_is_code_by_its_mode(fake_root, doctor):
    tool = f"{DIST}/six_tool"
    fake_root.install("python3-six-tool", files={tool: "#!/bin/sh\n"})
    fake_root.host(tool).chmod(0o755)
    fake_root.write(tool, "#!/bin/sh\necho changed\n")
    fake_root.host(tool).chmod(0o755)
    assert doctor(fake_root) == [
        finding("python3-six-tool", f"Changed: {tool}.", [tool],
                [keep("python3-six-tool", tool), reinstall("python3-six-tool")]),
    ]


def test_other_packages_are_not_judged(fake_root, doctor):
    fake_root.write("/usr/lib/os-release", "ID=debian\n")
    assert doctor(fake_root) == []


def test_many_missing_files_are_counted_in_the_prose_and_all_listed(fake_root, doctor):
    files = {f"/usr/lib/python3.11/encodings/m{i}.py": f"# {i}\n" for i in range(8)}
    fake_root.install("libpython3.11-minimal", multi_arch="same", version="3.11.2-6+deb12u8",
                      files={"/usr/lib/python3.11/os.py": '"""os of Python 3.11."""\n', **files})
    for path in files:
        fake_root.remove(path)
    shown = ", ".join(list(files)[:5])
    assert doctor(fake_root) == [
        finding("libpython3.11-minimal", f"Missing: {shown} and 3 more.", list(files),
                [reinstall("libpython3.11-minimal")]),
    ]


def test_findings_are_one_per_package_in_name_order(fake_root, doctor):
    fake_root.remove(SIX)
    fake_root.write(REQUESTS, "changed\n")
    fake_root.write(f"{DIST}/urllib3/__init__.py", "changed\n")
    fake_root.remove(f"{DIST}/urllib3-1.26.12.egg-info/top_level.txt")
    urllib3 = [f"{DIST}/urllib3/__init__.py", f"{DIST}/urllib3-1.26.12.egg-info/top_level.txt"]
    assert doctor(fake_root) == [
        finding("python3-requests", f"Changed: {REQUESTS}.", [REQUESTS],
                [keep("python3-requests", REQUESTS), reinstall("python3-requests")]),
        finding("python3-six", f"Missing: {SIX}.", [SIX], [reinstall("python3-six")]),
        finding("python3-urllib3", f"Missing: {urllib3[1]}. Changed: {urllib3[0]}.", urllib3,
                [keep("python3-urllib3", urllib3[0]), reinstall("python3-urllib3")], [CODE, DATA]),
    ]


def test_file_replaced_by_a_directory_is_changed(fake_root, doctor):
    fake_root.remove(SIX)
    fake_root.mkdir(SIX)
    assert doctor(fake_root) == [
        finding("python3-six", f"Changed: {SIX}.", [SIX],
                [keep("python3-six", SIX), reinstall("python3-six")]),
    ]


def test_file_replaced_by_a_link_to_the_same_contents_is_fine(fake_root, doctor):
    fake_root.write("/root/six.py", fake_root.read(SIX))
    fake_root.symlink(SIX, "/root/six.py")
    assert doctor(fake_root) == []


def test_file_replaced_by_a_dangling_link_is_missing(fake_root, doctor):
    fake_root.symlink(SIX, "/root/gone.py")
    assert doctor(fake_root) == [
        finding("python3-six", f"Missing: {SIX}.", [SIX], [reinstall("python3-six")]),
    ]


def test_diverted_file_is_checked_where_the_diversion_put_it(fake_root, doctor):
    fake_root.divert(SIX, SIX + ".distrib")
    fake_root.write(SIX, "# the local replacement the diversion makes room for\n")
    assert doctor(fake_root) == []
    fake_root.remove(SIX + ".distrib")
    assert doctor(fake_root) == [
        finding("python3-six", f"Missing: {SIX}.distrib.", [SIX + ".distrib"],
                [reinstall("python3-six")]),
    ]


def test_a_package_diverting_its_own_path_keeps_it(fake_root, doctor):
    """dpkg-divert --package python3-six: python3-six's own file stays at the path."""
    fake_root.divert(SIX, SIX + ".orig", by="python3-six", move=False)
    assert doctor(fake_root) == []


def test_obsolete_conffile_is_not_judged(fake_root, doctor):
    conf = "/etc/python3/old.conf"
    fake_root.install("python3-minimal", conffiles={conf: "old\n"},
                      files={"/usr/bin/py3compile": "#! /usr/bin/python3\n"})
    line = f" {conf} {_md5('old' + chr(10))}"
    status = fake_root.read("/var/lib/dpkg/status")
    assert line + "\n" in status
    fake_root.write("/var/lib/dpkg/status", status.replace(line + "\n", line + " obsolete\n"))
    fake_root.remove(conf)
    assert doctor(fake_root) == []


def test_marker_missing_extension_and_interpreter_are_left_to_their_rules(fake_root, doctor):
    fake_root.remove("/usr/lib/python3.11/EXTERNALLY-MANAGED")
    fake_root.remove(f"{DIST}/apt_pkg.cpython-311-x86_64-linux-gnu.so")
    fake_root.remove("/usr/bin/python3.11")
    rules = [f["rule"] for f in doctor(fake_root)]
    assert rules == ["python3-link", "extension-abi", "pep668-marker"]


def test_changed_extension_module_is_reported(fake_root, doctor):
    so = f"{DIST}/apt_pkg.cpython-311-x86_64-linux-gnu.so"
    fake_root.write(so, b"\x7fELF patched")
    assert doctor(fake_root) == [
        finding("python3-apt", f"Changed: {so}.", [so], [keep("python3-apt", so), reinstall("python3-apt")]),
    ]


def test_debian_files_pip_overwrote_are_left_to_stray_in_dist_packages(fake_root, doctor):
    fake_root.pip_install(DIST, "six", "1.17.0", top_level=["six"], files={"six.py": '"""six 1.17.0"""\n'})
    assert [f["rule"] for f in doctor(fake_root)] == ["stray-in-dist-packages"]


def test_a_half_installed_package_is_still_judged(fake_root, doctor):
    fake_root.set_status("python3-six", "install reinstreq half-installed")
    fake_root.remove(SIX)
    findings = [f for f in doctor(fake_root) if f["rule"] == "modified-debian-file"]
    assert findings == [finding("python3-six", f"Missing: {SIX}.", [SIX], [reinstall("python3-six")])]


def _md5(text: str) -> str:
    import hashlib

    return hashlib.md5(text.encode()).hexdigest()


def test_the_checks_it_leaves_paths_to_run_once_in_a_run(fake_root, doctor, monkeypatch):
    """reported_elsewhere asks the run for the hits of stray-in-dist-packages, startup-hook and
    python3-link, which the engine runs as rules too: each check runs once (Facts.hits)."""
    from pyguard.checks import interpreter, startup, stray

    runs = []
    for module, name in ((stray, "stray_in_dist_packages"), (startup, "startup_hook"),
                         (interpreter, "python3_link")):
        check = getattr(module, name)
        monkeypatch.setattr(module, name,
                            lambda facts, check=check, name=name: runs.append(name) or check(facts))
    fake_root.remove(SIX)
    assert doctor(fake_root) == [
        finding("python3-six", f"Missing: {SIX}.", [SIX], [reinstall("python3-six")]),
    ]
    assert sorted(runs) == ["python3_link", "startup_hook", "stray_in_dist_packages"]
