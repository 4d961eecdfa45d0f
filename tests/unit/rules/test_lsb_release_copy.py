"""lsb-release-copy: lsb_release.py copied or linked into /usr/local by hand."""

MOVE = ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
        "--suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)\" {path}")


def finding(path, what, label):
    return {
        "rule": "lsb-release-copy",
        "severity": "warning",
        "title": f"hand-made {path}",
        "detail": f"{path} is {what}. No Debian package puts lsb_release.py in /usr/local: it is "
                  "left over from making lsb_release work with a Python built from source, and it "
                  "goes stale as soon as lsb-release is upgraded.",
        "subject": path,
        "paths": [path],
        "repair": [(MOVE.format(label=label, path=path.lstrip("/")),
                    "move the copy aside (kept in /var/lib/pyguard/aside)")],
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_dangling_symlink_for_a_source_built_python(fake_root, doctor):
    path = "/usr/local/lib/python3.8/site-packages/lsb_release.py"
    fake_root.symlink(path, "/usr/share/pyshared/lsb_release.py")
    assert doctor(fake_root) == [finding(
        path, "a symlink to /usr/share/pyshared/lsb_release.py, which does not exist",
        "lsb_release-python3.8")]


def test_copy_in_the_system_pythons_usr_local(fake_root, doctor):
    path = "/usr/local/lib/python3.11/dist-packages/lsb_release.py"
    fake_root.write(path, "# copied from Debian 10\n")
    assert doctor(fake_root) == [finding(path, "a copy", "lsb_release-python3.11")]
