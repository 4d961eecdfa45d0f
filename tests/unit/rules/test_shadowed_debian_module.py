"""shadowed-debian-module: copies in /usr/local that hide modules Debian packages ship."""

LOCAL = "/usr/local/lib/python3.11/dist-packages"
MOVE = ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
        "--suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)\" {paths}")
MOVED = "move the shadowing copy aside (kept in /var/lib/pyguard/aside)"


def shadowed(name: str, project: str, module: str, package: str, paths, label: str):
    return {
        "rule": "shadowed-debian-module",
        "severity": "error",
        "title": f"{name} in {LOCAL} hides Debian's {module}",
        "detail": f"{LOCAL} comes before /usr/lib/python3/dist-packages on sys.path, so every Python "
                  f"program run as root, Debian's tools included, imports {module} from {name} there "
                  f"instead of the version {package} was built and tested with.",
        "subject": f"{LOCAL}:{project}",
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
                 [f"{LOCAL}/urllib3-2.2.3.dist-info", f"{LOCAL}/urllib3"], "urllib3-2.2.3"),
    ]


def test_wheel_without_top_level_txt_is_matched_through_record(fake_root, doctor):
    """urllib3 2.x is built with hatchling: pip writes no top_level.txt, RECORD tells the names."""
    fake_root.pip_install(LOCAL, "urllib3", "2.2.3", top_level=["urllib3"], top_level_txt=False)
    assert doctor(fake_root) == [
        shadowed("urllib3 2.2.3", "urllib3", "urllib3", "python3-urllib3",
                 [f"{LOCAL}/urllib3-2.2.3.dist-info", f"{LOCAL}/urllib3"], "urllib3-2.2.3"),
    ]


def test_loose_six_py_copied_into_usr_local(fake_root, doctor):
    fake_root.write(f"{LOCAL}/six.py", '"""six 1.17.0"""\n')
    assert doctor(fake_root) == [
        shadowed("six", "six", "six", "python3-six", [f"{LOCAL}/six.py"], "six"),
    ]


def test_user_site_of_a_login_user_is_not_this_rules_business(fake_root, doctor):
    fake_root.passwd([("alice", 1000, "/home/alice")])
    fake_root.pip_install("/home/alice/.local/lib/python3.11/site-packages", "requests", "2.32.3",
                          top_level=["requests"])
    assert doctor(fake_root) == []
