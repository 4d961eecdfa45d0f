"""pip-in-usr-local: pip projects in /usr/local that shadow nothing (yet)."""

LOCAL = "/usr/local/lib/python3.11/dist-packages"
MOVE = ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
        "--suffix=.tar.gz /var/lib/pyguard/aside/usr-local-3.11.XXXXXX)\" {paths}")
MOVED = "move the projects aside (kept in /var/lib/pyguard/aside)"


def local(projects: str, paths):
    return {
        "rule": "pip-in-usr-local",
        "severity": "warning",
        "title": f"pip installed projects into {LOCAL}",
        "detail": f"Installed into {LOCAL}, which every Python program run as root imports from: "
                  f"{projects}.",
        "subject": LOCAL,
        "paths": paths,
        "repair": [(MOVE.format(paths=" ".join(p.lstrip("/") for p in paths)), MOVED)],
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_attrs_in_usr_local_shadows_nothing(fake_root, doctor):
    fake_root.pip_install(LOCAL, "attrs", "23.2.0", top_level=["attr", "attrs"])
    assert doctor(fake_root) == [
        local("attrs 23.2.0", [f"{LOCAL}/attrs-23.2.0.dist-info", f"{LOCAL}/attr", f"{LOCAL}/attrs"]),
    ]


def test_a_record_path_with_a_nul_byte_names_nothing_and_fails_no_check(fake_root, doctor):
    """A NUL in a RECORD row reached os.stat: ValueError, and the rule failed."""
    from pyguard.rootfs import Note

    fake_root.pip_install(LOCAL, "attrs", "23.2.0", top_level=["attr", "attrs"])
    record = fake_root.host(f"{LOCAL}/attrs-23.2.0.dist-info/RECORD")
    record.write_text(record.read_text() + "../../../bin/a\0b,,\n")
    report = doctor.report(fake_root)
    assert (report.errors, report.notes) == ((), (
        Note("bad-path", "/usr/local/bin/a\0b", "has a NUL byte, which no file name can"),))
    assert doctor(fake_root) == [
        local("attrs 23.2.0", [f"{LOCAL}/attrs-23.2.0.dist-info", f"{LOCAL}/attr", f"{LOCAL}/attrs"]),
    ]


def test_console_script_in_usr_local_bin_is_moved_too(fake_root, doctor):
    fake_root.pip_install(LOCAL, "charset-normalizer", "3.3.2", top_level=["charset_normalizer"],
                          scripts={"normalizer": "#!/usr/bin/python3\n"})
    assert doctor(fake_root) == [
        local("charset-normalizer 3.3.2",
              [f"{LOCAL}/charset_normalizer-3.3.2.dist-info", f"{LOCAL}/charset_normalizer",
               "/usr/local/bin/normalizer"]),
    ]


def test_shadowing_project_is_left_to_shadowed_debian_module(fake_root, doctor):
    fake_root.pip_install(LOCAL, "requests", "2.32.3", top_level=["requests"])
    assert doctor(fake_root, only=["pip-in-usr-local"]) == []


def test_two_projects_are_one_finding(fake_root, doctor):
    fake_root.pip_install(LOCAL, "attrs", "23.2.0", top_level=["attr", "attrs"])
    fake_root.pip_install(LOCAL, "rich", "13.7.1", top_level=["rich"])
    assert doctor(fake_root) == [
        local("attrs 23.2.0, rich 13.7.1",
              [f"{LOCAL}/attrs-23.2.0.dist-info", f"{LOCAL}/attr", f"{LOCAL}/attrs",
               f"{LOCAL}/rich-13.7.1.dist-info", f"{LOCAL}/rich"]),
    ]
