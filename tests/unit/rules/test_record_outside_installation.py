"""record-outside-installation: a RECORD naming files outside the installation that wrote it."""

import os

SITE = "/home/alice/.local/lib/python3.11/site-packages"
EVIL = "/etc/shadow,,\n../../../../../../root/.ssh/authorized_keys,,\n"


def alices(fake_root, *paths):
    for path in paths:
        for top, dirs, files in os.walk(fake_root.host(path)):
            for name in [top] + [os.path.join(top, n) for n in dirs + files]:
                os.lchown(name, 1000, 1000)


def add_to_record(fake_root, dist, text):
    fake_root.write(f"{dist}/RECORD", fake_root.read(f"{dist}/RECORD") + text)


def test_a_users_record_naming_roots_files_is_reported_and_only_her_files_are_moved_as_her(
        fake_root, doctor):
    fake_root.passwd([("alice", 1000, "/home/alice")])
    fake_root.write("/etc/shadow", "root:*:19000:0:99999:7:::\n")
    fake_root.write("/root/.ssh/authorized_keys", "ssh-ed25519 AAAA root@admin\n")
    dist = fake_root.pip_install(SITE, "six", "1.17.0", files={"six.py": "# six\n"})
    add_to_record(fake_root, dist, EVIL)
    alices(fake_root, "/home/alice")
    aside = '"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/{}.XXXXXX)"'
    record, shadow = doctor(fake_root)
    assert record == {
        "rule": "record-outside-installation",
        "severity": "warning",
        "title": f"six 1.17.0 in {SITE} lists files outside its installation",
        "detail": f"{dist}/RECORD names /etc/shadow, ../../../../../../root/.ssh/authorized_keys, "
                  "outside the directories this installation of six 1.17.0 could have written (its "
                  "prefix /home/alice/.local, controlled by alice). pyguard acts on none of them, "
                  "and neither may anyone else: \"pip uninstall\" run as root deletes every file "
                  "RECORD lists.",
        "subject": dist,
        "paths": [f"{dist}/RECORD"],
        "repair": [("mkdir -p /var/lib/pyguard/aside && runuser -u alice -- tar -C / "
                    f"--remove-files -czf - {dist.lstrip('/')} > {aside.format('six-1.17.0-record')}",
                    "move the metadata with its RECORD aside (kept in /var/lib/pyguard/aside)")],
    }
    assert shadow["rule"] == "shadowed-debian-module-user"
    assert shadow["paths"] == [dist, f"{SITE}/six.py"]  # neither /etc/shadow nor root's keys
    assert shadow["repair"] == [(  # the metadata goes with the step before
        "mkdir -p /var/lib/pyguard/aside && runuser -u alice -- tar -C / --remove-files -czf - "
        f"{SITE.lstrip('/')}/six.py > {aside.format('six-1.17.0')}",
        "move the shadowing copy aside (kept in /var/lib/pyguard/aside)")]


def test_roots_own_data_files_outside_usr_local_are_reported_never_moved(fake_root, doctor):
    site = "/usr/local/lib/python3.11/dist-packages"
    dist = fake_root.pip_install(site, "tool", "1.0", top_level=["tool"])
    fake_root.write("/etc/tool.conf", "x = 1\n")
    add_to_record(fake_root, dist, "/etc/tool.conf,,\n../../../bin/tool,,\n")
    found = {f["rule"]: f for f in doctor(fake_root)}
    assert found["record-outside-installation"]["detail"] == (
        f"{dist}/RECORD names /etc/tool.conf, outside the directories this installation of tool "
        "1.0 could have written (its prefix /usr/local). pyguard acts on none of them, and neither "
        "may anyone else: \"pip uninstall\" run as root deletes every file RECORD lists.")
    assert found["pip-in-usr-local"]["paths"] == [dist, f"{site}/tool"]


def test_a_record_inside_its_prefix_is_not_reported(fake_root, doctor):
    fake_root.pip_install("/usr/local/lib/python3.11/dist-packages", "tool", "1.0",
                          top_level=["tool"], scripts={"tool": "#!/usr/bin/python3\n"})
    assert [f["rule"] for f in doctor(fake_root)] == ["pip-in-usr-local"]


def test_an_entry_below_a_symlink_out_of_the_prefix_counts_as_outside(fake_root, doctor):
    fake_root.passwd([("alice", 1000, "/home/alice")])
    fake_root.write("/etc/shadow", "root:*:19000:0:99999:7:::\n")
    dist = fake_root.pip_install(SITE, "six", "1.17.0", files={"six.py": "# six\n"})
    fake_root.symlink(f"{SITE}/evil", "/etc")
    add_to_record(fake_root, dist, "evil/shadow,,\n")
    alices(fake_root, "/home/alice")
    record, shadow = doctor(fake_root)
    assert record["detail"].startswith(f"{dist}/RECORD names {SITE}/evil/shadow, outside")
    assert shadow["paths"] == [dist, f"{SITE}/six.py"]
