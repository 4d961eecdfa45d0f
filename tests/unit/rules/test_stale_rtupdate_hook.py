"""stale-rtupdate-hook: /usr/share/python3/runtime.d/*.rtupdate hooks no installed package owns."""

import os

HOOK = "/usr/share/python3/runtime.d/oldtool.rtupdate"
MOVE = ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
        "--suffix=.tar.gz /var/lib/pyguard/aside/rtupdate-oldtool.XXXXXX)\" "
        "usr/share/python3/runtime.d/oldtool.rtupdate",
        "move the hook aside (kept in /var/lib/pyguard/aside)")
CONFIGURE = ("dpkg --configure -a", "finish configuring python3 and what waits for it")


def hook_finding(repair):
    return {
        "rule": "stale-rtupdate-hook",
        "severity": "error",
        "title": "python3 runs the rtupdate hook of oldtool, which no installed package owns",
        "detail": f"{HOOK} belongs to no installed package, yet python3's postinst runs it every "
                  "time python3 is configured (each upgrade or reinstall). Left behind by a removed "
                  "package, or written by hand, it can fail and then python3 and everything that "
                  "depends on it stay half-configured.",
        "subject": HOOK,
        "paths": [HOOK],
        "repair": repair,
    }


def write_hook(root, mode=0o755):
    root.write(HOOK, "#! /bin/sh\nexit 1\n")
    os.chmod(root.host(HOOK), mode)


def test_healthy_root_has_no_findings(fake_root, doctor):
    fake_root.install("python3-foo", arch="all", version="1",
                      files={"/usr/share/python3/runtime.d/python3-foo.rtupdate": "#! /bin/sh\n"})
    os.chmod(fake_root.host("/usr/share/python3/runtime.d/python3-foo.rtupdate"), 0o755)
    assert doctor(fake_root) == []


def test_unowned_hook_is_moved_aside(fake_root, doctor):
    write_hook(fake_root)
    assert doctor(fake_root) == [hook_finding([MOVE])]


def test_hook_of_a_removed_package_is_stale(fake_root, doctor):
    fake_root.install("oldtool", arch="all", version="1", files={HOOK: "#! /bin/sh\nexit 1\n"})
    os.chmod(fake_root.host(HOOK), 0o755)
    fake_root.set_status("oldtool", "deinstall ok config-files")
    assert doctor(fake_root) == [hook_finding([MOVE])]


def test_hook_that_is_not_executable_is_skipped_by_python3_and_by_us(fake_root, doctor):
    write_hook(fake_root, mode=0o644)
    assert doctor(fake_root) == []


def test_python3_left_half_configured_is_configured_after_the_move(fake_root, doctor):
    write_hook(fake_root)
    fake_root.set_status("python3", "install ok half-configured")
    assert doctor(fake_root) == [
        hook_finding([MOVE, CONFIGURE]),
        {
            "rule": "python-dpkg-interrupted",
            "severity": "error",
            "title": "dpkg did not finish installing Python packages",
            "detail": "dpkg left these packages half done: python3 (half-configured). Until they "
                      "are finished, every apt-get install or upgrade stops with \"Sub-process "
                      "/usr/bin/dpkg returned an error code (1)\", and the modules they ship may be "
                      "missing or not byte-compiled.",
            "subject": "python3",
            "paths": ["/var/lib/dpkg/status"],
            "repair": [("dpkg --configure -a", "finish configuring every package left half done")],
        },
    ]


def test_configure_waits_for_a_reinstall_another_finding_does(fake_root, doctor):
    write_hook(fake_root)
    fake_root.set_status("python3", "install ok half-configured")
    fake_root.set_status("python3-six", "install reinstreq half-configured")
    assert doctor(fake_root, only=["stale-rtupdate-hook"]) == [hook_finding([MOVE])]
