"""shadowed-debian-module-user: a login user's ~/.local hides Debian's modules from that user."""

from pyguard.rootfs import Note

SITE = "/home/alice/.local/lib/python3.11/site-packages"
MOVE = ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
        "--suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)\" {paths}")


def user_finding(name, project, module, package, paths, label, more=""):
    return {
        "rule": "shadowed-debian-module-user",
        "severity": "warning",
        "title": f"{name} in alice's {SITE} hides Debian's {module}",
        "detail": f"{SITE} comes before /usr/lib/python3/dist-packages on alice's sys.path, so every "
                  f"Python program alice runs, Debian's desktop tools included, imports {module} from "
                  f"{name} there instead of the version {package} was built and tested with.{more}",
        "subject": f"{SITE}:{project}",
        "paths": paths,
        "repair": [(MOVE.format(label=label, paths=" ".join(p.lstrip("/") for p in paths)),
                    "move the shadowing copy aside (kept in /var/lib/pyguard/aside)")],
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    fake_root.passwd([("alice", 1000, "/home/alice")])
    assert doctor(fake_root) == []


def test_pip_install_user_gi_breaks_alices_gnome_programs(fake_root, doctor):
    fake_root.passwd([("alice", 1000, "/home/alice")])
    fake_root.pip_install(SITE, "gi", "1.2", top_level=["gi"])
    assert doctor(fake_root) == [
        user_finding("gi 1.2", "gi", "gi", "python3-gi", [f"{SITE}/gi-1.2.dist-info", f"{SITE}/gi"],
                     "gi-1.2", " gi is another project that happens to use the same name: Debian's "
                     "gi comes from PyGObject."),
    ]


def test_a_record_row_past_csvs_limit_hides_nothing(fake_root, doctor):
    """Her RECORD once failed ten rules (csv's field limit), root's own among them: the row is
    skipped and said, every rule still runs."""
    fake_root.passwd([("alice", 1000, "/home/alice")])
    fake_root.pip_install(SITE, "gi", "1.2", top_level=["gi"])
    record = fake_root.host(f"{SITE}/gi-1.2.dist-info/RECORD")
    record.write_text(record.read_text() + "x" * 200_000 + ",,\n")
    report = doctor.report(fake_root)
    assert (report.errors, [n for n in report.notes if n.path.startswith(SITE)]) == ((), [
        Note("corrupt", f"{SITE}/gi-1.2.dist-info/RECORD",
             "a row was skipped: field larger than field limit (131072)")])
    assert doctor(fake_root) == [
        user_finding("gi 1.2", "gi", "gi", "python3-gi", [f"{SITE}/gi-1.2.dist-info", f"{SITE}/gi"],
                     "gi-1.2", " gi is another project that happens to use the same name: Debian's "
                     "gi comes from PyGObject."),
    ]


def test_newer_urllib3_in_alices_site(fake_root, doctor):
    fake_root.passwd([("alice", 1000, "/home/alice"), ("bob", 1001, "/home/bob")])
    fake_root.pip_install(SITE, "urllib3", "2.2.3", top_level=["urllib3"])
    fake_root.pip_install("/home/bob/.local/lib/python3.10/site-packages", "urllib3", "2.2.3",
                          top_level=["urllib3"])  # no Python 3.10 here: nothing reads it
    assert doctor(fake_root, only=["shadowed-debian-module-user"]) == [
        user_finding("urllib3 2.2.3", "urllib3", "urllib3", "python3-urllib3",
                     [f"{SITE}/urllib3-2.2.3.dist-info", f"{SITE}/urllib3"], "urllib3-2.2.3",
                     " Debian packages that depend on it: python3-requests."),
    ]


def test_roots_own_site_is_the_error_rules(fake_root, doctor):
    fake_root.pip_install("/root/.local/lib/python3.11/site-packages", "gi", "1.2", top_level=["gi"])
    assert [f["rule"] for f in doctor(fake_root)] == ["shadowed-debian-module"]
