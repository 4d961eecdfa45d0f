"""python3-alternatives: update-alternatives must not manage /usr/bin/python3."""

from expected_findings import APT_312, GI_312

TITLE = "update-alternatives has taken over /usr/bin/python3"
TAIL = ("Debian never manages python3 with alternatives: the next choice with a higher priority "
        "silently replaces the system interpreter.")
PY312 = ("python3.12-minimal", {"/usr/bin/python3.12": b"\x7fELF"})


def repair(group: str):
    return [
        (f"update-alternatives --remove-all {group}",
         "drop the group (it also removes its /usr/bin/python3 link)"),
        ("ln -sfn python3.11 /usr/bin/python3", "recreate Debian's link to the default interpreter"),
        ("apt-get install --reinstall -y python3-minimal python3.11-minimal",
         "restore both packages' files as shipped"),
    ]


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_group_choosing_python312_by_priority(fake_root, doctor):
    fake_root.install(*PY312, multi_arch="allowed", version="3.12.1-1")
    fake_root.alternative("python3", "/usr/bin/python3",
                          [("/usr/bin/python3.11", 1), ("/usr/bin/python3.12", 2)])
    assert doctor(fake_root) == [
        {
            "rule": "python3-alternatives",
            "severity": "error",
            "title": TITLE,
            "detail": "/usr/bin/python3 is managed by the update-alternatives group python3 and now "
                      "runs /usr/bin/python3.12; registered choices: /usr/bin/python3.11, "
                      "/usr/bin/python3.12. " + TAIL,
            "subject": "/usr/bin/python3",
            "paths": ["/usr/bin/python3", "/etc/alternatives/python3"],
            "repair": repair("python3"),
        },
        APT_312,
        GI_312,
    ]


def test_group_still_choosing_the_default_is_reported(fake_root, doctor):
    fake_root.alternative("python3", "/usr/bin/python3", [("/usr/bin/python3.11", 1)])
    assert doctor(fake_root) == [
        {
            "rule": "python3-alternatives",
            "severity": "error",
            "title": TITLE,
            "detail": "/usr/bin/python3 is managed by the update-alternatives group python3 and now "
                      "runs /usr/bin/python3.11; registered choices: /usr/bin/python3.11. " + TAIL,
            "subject": "/usr/bin/python3",
            "paths": ["/usr/bin/python3", "/etc/alternatives/python3"],
            "repair": repair("python3"),
        },
    ]


def test_leftover_group_file_with_debian_link_restored(fake_root, doctor):
    fake_root.alternative("python3", "/usr/bin/python3", [("/usr/bin/python3.11", 1)],
                          make_links=False)
    assert doctor(fake_root) == [
        {
            "rule": "python3-alternatives",
            "severity": "error",
            "title": TITLE,
            "detail": "/usr/bin/python3 is managed by the update-alternatives group python3 and now "
                      "runs /usr/bin/python3.11; registered choices: /usr/bin/python3.11. " + TAIL,
            "subject": "/usr/bin/python3",
            "paths": ["/usr/bin/python3"],
            "repair": repair("python3"),
        },
    ]


def test_group_named_python_that_owns_usr_bin_python3(fake_root, doctor):
    fake_root.install(*PY312, multi_arch="allowed", version="3.12.1-1")
    fake_root.alternative("python", "/usr/bin/python3", [("/usr/bin/python3.12", 2)])
    assert doctor(fake_root) == [
        {
            "rule": "python3-alternatives",
            "severity": "error",
            "title": TITLE,
            "detail": "/usr/bin/python3 is managed by the update-alternatives group python and now "
                      "runs /usr/bin/python3.12; registered choices: /usr/bin/python3.12. " + TAIL,
            "subject": "/usr/bin/python3",
            "paths": ["/usr/bin/python3", "/etc/alternatives/python"],
            "repair": repair("python"),
        },
        APT_312,
        GI_312,
    ]


def test_manual_mode_group_pinned_to_the_default(fake_root, doctor):
    fake_root.install(*PY312, multi_arch="allowed", version="3.12.1-1")
    fake_root.alternative("python3", "/usr/bin/python3",
                          [("/usr/bin/python3.11", 1), ("/usr/bin/python3.12", 2)],
                          mode="manual", current="/usr/bin/python3.11")
    assert doctor(fake_root) == [
        {
            "rule": "python3-alternatives",
            "severity": "error",
            "title": TITLE,
            "detail": "/usr/bin/python3 is managed by the update-alternatives group python3 and now "
                      "runs /usr/bin/python3.11; registered choices: /usr/bin/python3.11, "
                      "/usr/bin/python3.12. " + TAIL,
            "subject": "/usr/bin/python3",
            "paths": ["/usr/bin/python3", "/etc/alternatives/python3"],
            "repair": repair("python3"),
        },
    ]


def test_unrelated_alternative_groups_are_ignored(fake_root, doctor):
    fake_root.write("/usr/bin/mawk", b"\x7fELF")
    fake_root.alternative("awk", "/usr/bin/awk", [("/usr/bin/mawk", 5)])
    assert doctor(fake_root) == []
