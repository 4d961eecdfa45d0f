"""python-unversioned-link: a /usr/bin/python that no package installed."""

from fakeroot import Link

MOVE = ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
        "--suffix=.tar.gz /var/lib/pyguard/aside/usr-bin-python.XXXXXX)\" usr/bin/python")


def finding(state, paths):
    return {
        "rule": "python-unversioned-link",
        "severity": "warning",
        "title": "/usr/bin/python was made by hand",
        "detail": f"/usr/bin/python is {state}, but no Debian package installed it. On Debian it "
                  "belongs to python-is-python3 (python means Python 3) or to the python2 packages "
                  "of old releases; scripts and maintainer scripts that run \"python\" get whatever "
                  "this hand-made file happens to run, and a package that ships /usr/bin/python "
                  "later silently replaces it.",
        "subject": "/usr/bin/python",
        "paths": paths,
        "repair": [(MOVE, "move the hand-made /usr/bin/python aside (kept in /var/lib/pyguard/aside)")],
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_python_is_python3_is_debians(fake_root, doctor):
    fake_root.install("python-is-python3", arch="all", version="3.11.2-1",
                      files={"/usr/bin/python": Link("python3")})
    assert doctor(fake_root) == []


def test_hand_made_link_to_python3(fake_root, doctor):
    fake_root.symlink("/usr/bin/python", "python3")
    assert doctor(fake_root) == [
        finding("a symlink to python3", ["/usr/bin/python", "/usr/bin/python3.11"])]


def test_link_into_a_removed_pyenv(fake_root, doctor):
    fake_root.symlink("/usr/bin/python", "/root/.pyenv/shims/python")
    assert doctor(fake_root) == [
        finding("a symlink to /root/.pyenv/shims/python, which leads nowhere",
                ["/usr/bin/python", "/root/.pyenv/shims/python"])]


def test_a_copied_binary(fake_root, doctor):
    fake_root.write("/usr/bin/python", b"\x7fELF copy")
    assert doctor(fake_root) == [finding("a file", ["/usr/bin/python"])]


def test_a_link_made_by_update_alternatives_is_dropped_with_its_group(fake_root, doctor):
    """CORPUS 9: `update-alternatives --install /usr/bin/python python /usr/bin/python3 1`.
    Moving the link aside left the group, which makes it again on its next --auto or --config."""
    fake_root.alternative("python", "/usr/bin/python", [("/usr/bin/python3", 1)])
    found = finding("a symlink to /etc/alternatives/python",
                    ["/usr/bin/python", "/usr/bin/python3.11"])
    found["repair"] = [("update-alternatives --remove-all python",
                        "drop the group (it also removes the /usr/bin/python link it made)")]
    assert doctor(fake_root) == [found]
