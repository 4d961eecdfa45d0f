"""stray-in-dist-packages: what dpkg did not put into /usr/lib/python3/dist-packages."""

DIST = "/usr/lib/python3/dist-packages"
MOVE = ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
        "--suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)\" {paths}")
KEEP = ("mkdir -p /var/lib/pyguard/aside && tar -C / -czf \"$(mktemp --suffix=.tar.gz "
        "/var/lib/pyguard/aside/{label}-replaced.XXXXXX)\" {paths}")
MOVED = "move the files aside (kept in /var/lib/pyguard/aside)"
KEPT = "keep a copy of the Debian files pip overwrote"
RESTORED = "restore the Debian files the install overwrote"


def stray(name: str, subject: str, installer: str, paths, repair):
    return {
        "rule": "stray-in-dist-packages",
        "severity": "error",
        "title": f"{name} in /usr/lib/python3/dist-packages is not from a Debian package",
        "detail": f"/usr/lib/python3/dist-packages belongs to dpkg alone, but {name} (installed by: "
                  f"{installer}) was written there by hand or by pip.",
        "subject": subject,
        "paths": paths,
        "repair": repair,
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_pip_target_over_debian_six_keeps_and_reinstalls_python3_six(fake_root, doctor):
    fake_root.pip_install(DIST, "six", "1.17.0", top_level=["six"], files={"six.py": '"""six 1.17.0"""\n'})
    assert doctor(fake_root) == [
        stray("six 1.17.0", "six", "pip",
              [f"{DIST}/six-1.17.0.dist-info", f"{DIST}/six.py"],
              [(MOVE.format(label="six-1.17.0", paths="usr/lib/python3/dist-packages/six-1.17.0.dist-info"),
                MOVED),
               (KEEP.format(label="six-1.17.0", paths="usr/lib/python3/dist-packages/six.py"), KEPT),
               ("apt-get install --reinstall -y python3-six", RESTORED)]),
    ]


def test_pip_target_upgrade_of_requests_moves_new_files_and_reinstalls(fake_root, doctor):
    fake_root.pip_install(DIST, "requests", "2.32.3", top_level=["requests"],
                          files={"requests/__init__.py": "new\n", "requests/api.py": "api\n"})
    assert doctor(fake_root) == [
        stray("requests 2.32.3", "requests", "pip",
              [f"{DIST}/requests-2.32.3.dist-info", f"{DIST}/requests/api.py",
               f"{DIST}/requests/__init__.py"],
              [(MOVE.format(label="requests-2.32.3",
                            paths="usr/lib/python3/dist-packages/requests-2.32.3.dist-info "
                                  "usr/lib/python3/dist-packages/requests/api.py"), MOVED),
               (KEEP.format(label="requests-2.32.3",
                            paths="usr/lib/python3/dist-packages/requests/__init__.py"), KEPT),
               ("apt-get install --reinstall -y python3-requests", RESTORED)]),
    ]


def test_pip_target_of_a_new_project_moves_its_top_level_dirs(fake_root, doctor):
    fake_root.pip_install(DIST, "attrs", "23.2.0", top_level=["attr", "attrs"])
    assert doctor(fake_root) == [
        stray("attrs 23.2.0", "attrs", "pip",
              [f"{DIST}/attrs-23.2.0.dist-info", f"{DIST}/attr", f"{DIST}/attrs"],
              [(MOVE.format(label="attrs-23.2.0",
                            paths="usr/lib/python3/dist-packages/attrs-23.2.0.dist-info "
                                  "usr/lib/python3/dist-packages/attr usr/lib/python3/dist-packages/attrs"),
                MOVED)]),
    ]


def test_stray_loose_module_copied_by_hand(fake_root, doctor):
    fake_root.write(f"{DIST}/mymod.py", "x = 1\n")
    assert doctor(fake_root) == [
        stray("mymod.py", "mymod.py", "unknown", [f"{DIST}/mymod.py"],
              [(MOVE.format(label="mymod.py", paths="usr/lib/python3/dist-packages/mymod.py"), MOVED)]),
    ]


def test_distutils_egg_info_file(fake_root, doctor):
    fake_root.write(f"{DIST}/foo-1.0.egg-info", "Metadata-Version: 1.0\nName: foo\nVersion: 1.0\n")
    assert doctor(fake_root) == [
        stray("foo 1.0", "foo", "unknown", [f"{DIST}/foo-1.0.egg-info"],
              [(MOVE.format(label="foo-1.0", paths="usr/lib/python3/dist-packages/foo-1.0.egg-info"),
                MOVED)]),
    ]


def test_bytecode_caches_and_debian_dist_info_are_not_stray(tmp_path, doctor):
    from fakeroot import FakeRoot

    root = FakeRoot.trixie(tmp_path)
    root.write(f"{DIST}/__pycache__/six.cpython-313.pyc", b"\xf3\r\r\n")
    assert doctor(root) == []
