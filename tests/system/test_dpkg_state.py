"""dpkg work left half done on real roots: a reinstall with python3 broken, a stale rtupdate hook.

Each test breaks a fresh overlay the way it happens to users, asserts pyguard's whole finding
list, runs pyguard's repairs in order inside the root, and checks dpkg is content again.
"""

from __future__ import annotations

import pytest

from . import realroot
from .realroot import assert_healed, doctor, version_of
from .test_core_rules import link_finding

RELEASES = realroot.CATALOG_ROOTS
AUDIT_CLEAN = "test -z \"$(dpkg --audit)\""


def interrupted(packages: str, repair: list) -> dict:
    return {
        "rule": "python-dpkg-interrupted",
        "severity": "error",
        "title": "dpkg did not finish installing Python packages",
        "detail": f"dpkg left these packages half done: {packages}. Until they are finished, every "
                  "apt-get install or upgrade stops with \"Sub-process /usr/bin/dpkg returned an "
                  "error code (1)\", and the modules they ship may be missing or not byte-compiled.",
        "subject": packages.split(" (")[0],
        "paths": ["/var/lib/dpkg/status"],
        "repair": repair,
    }


CONFIGURE = {"command": "dpkg --configure -a",
             "note": "finish configuring every package left half done"}

KILL_ONCE = ("#!/bin/sh\n"
             "# dpkg killed while it runs this script, as the OOM killer or a stopped container do\n"
             "if [ ! -e /root/dpkg-killed ]; then : > /root/dpkg-killed; kill -9 \"$PPID\"; fi\n")


@pytest.mark.parametrize("release", RELEASES)
def test_reinstall_with_python3_dangling_leaves_a_package_to_reinstall(real_root, release) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = version_of(root)
    root.run("ln -sf /usr/bin/python3.missing /usr/bin/python3")
    failed = root.run("apt-get install --reinstall -y python3-six", check=False)
    assert failed.returncode == 100, failed.stdout + failed.stderr
    assert "py3compile: not found" in failed.stdout + failed.stderr
    code, envelope = doctor(root)
    assert code == 2
    assert envelope["findings"] == [
        interrupted("python3-six (half-configured, must be reinstalled)", [
            {"command": f"ln -sfn python{v} /usr/bin/python3",
             "note": "the maintainer scripts need a working python3 (the link python3-minimal ships)"},
            {"command": "apt-get install --reinstall -y python3-six",
             "note": "unpack again what dpkg flagged \"reinstall required\""},
            CONFIGURE,
        ]),
        link_finding(v, "it points to /usr/bin/python3.missing, which does not exist",
                     "/usr/bin/python3.missing"),
    ]
    assert_healed(root, envelope, AUDIT_CLEAN, "python3 -c 'import six'",
                  "apt-get install --reinstall -y python3-six")


@pytest.mark.parametrize("release, killed", [("bookworm", False), ("trixie", True)],
                         ids=["bookworm-reinstreq", "trixie-killed"])
def test_with_the_interpreter_itself_gone_dpkg_alone_puts_it_back_first(real_root, release,
                                                                       killed) -> None:
    """A release upgrade cut short (LP#1768379): /usr/bin/python3.X gone and a package left
    to reinstall (or dpkg killed, its record in its journal). apt retries that package first,
    whose scripts need python3, and stops: the interpreter comes back by dpkg alone."""
    root = real_root(release)
    v = version_of(root)
    minimal = root.run(f"dpkg-query -W -f='${{Version}}_${{Architecture}}' python{v}-minimal")
    version, arch = minimal.stdout.split("_")
    if killed:
        prerm = "/var/lib/dpkg/info/python3-six.prerm"
        shipped = root.host(prerm).read_text() if root.host(prerm).exists() else "#!/bin/sh\n"
        root.write(prerm, KILL_ONCE + shipped.split("\n", 1)[1], mode=0o755)
    root.run(f"rm /usr/bin/python{v} /var/cache/apt/archives/python{v}-minimal_*.deb")
    failed = root.run("apt-get install --reinstall -y python3-six", check=False)
    assert failed.returncode == 100, failed.stdout + failed.stderr
    code, envelope = doctor(root)
    assert code == 2
    deb = f"/var/cache/apt/archives/python{v}-minimal_{version.replace(':', '%3a')}_{arch}.deb"
    triggers = [{"command": "dpkg --triggers-only -a",
                 "note": "write down what the journal of the killed dpkg holds: apt refuses to "
                         "run until then"}] if killed else []
    assert envelope["findings"] == [
        dict(interrupted("python3-six (half-configured, must be reinstalled)", [
            {"command": f"ln -sfn python{v} /usr/bin/python3",
             "note": "the maintainer scripts need a working python3 (the link python3-minimal ships)"},
            *triggers,
            {"command": f"apt-get install --reinstall --download-only -y python{v}-minimal={version}"
                        f" && dpkg --unpack {deb}",
             "note": "put the interpreter back first, with dpkg alone (apt would first retry the "
                     "packages whose scripts need it)"},
            {"command": "apt-get install --reinstall -y python3-six",
             "note": "unpack again what dpkg flagged \"reinstall required\""},
            CONFIGURE,
        ]), paths=["/var/lib/dpkg/status"] + (["/var/lib/dpkg/updates"] if killed else [])),
        link_finding(v, f"it points to /usr/bin/python{v}, which does not exist",
                     f"/usr/bin/python{v}"),
    ]
    assert_healed(root, envelope, AUDIT_CLEAN, "python3 -c 'import six'",
                  f"test -x /usr/bin/python{v}", "apt-get install --reinstall -y python3-six")


@pytest.mark.parametrize("release", RELEASES)
def test_a_failing_stale_rtupdate_hook_is_moved_aside(real_root, release) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    hook = "/usr/share/python3/runtime.d/oldtool.rtupdate"
    # the hook of a package removed without it: its helper went with the package
    root.write(hook, "#! /bin/sh\nset -e\ncase \"$1\" in\n"
                     "  rtupdate) /usr/lib/oldtool/recompile \"$2\" \"$3\" ;;\nesac\n", mode=0o755)
    failed = root.run("apt-get install --reinstall -y python3", check=False)
    assert failed.returncode == 100, failed.stdout + failed.stderr
    assert "error running python rtupdate hook oldtool" in failed.stdout + failed.stderr
    code, envelope = doctor(root)
    assert code == 2
    assert envelope["findings"] == [
        {
            "rule": "stale-rtupdate-hook",
            "severity": "error",
            "title": "python3 runs the rtupdate hook of oldtool, which no installed package owns",
            "detail": f"{hook} belongs to no installed package, yet python3's postinst runs it every "
                      "time python3 is configured (each upgrade or reinstall). Left behind by a "
                      "removed package, or written by hand, it can fail and then python3 and "
                      "everything that depends on it stay half-configured.",
            "subject": hook,
            "paths": [hook],
            "repair": [
                {"command": "mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf "
                            "\"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/rtupdate-oldtool.XXXXXX)\" "
                            "usr/share/python3/runtime.d/oldtool.rtupdate",
                 "note": "move the hook aside (kept in /var/lib/pyguard/aside)"},
                {"command": "dpkg --configure -a",
                 "note": "finish configuring python3 and what waits for it"},
            ],
        },
        interrupted("python3 (half-configured)", [CONFIGURE]),
    ]
    assert_healed(root, envelope, AUDIT_CLEAN, "apt-get install --reinstall -y python3",
                  "test $(ls /var/lib/pyguard/aside | wc -l) = 1")


@pytest.mark.parametrize("release", RELEASES)
def test_a_killed_dpkg_is_read_from_its_journal(real_root, release) -> None:
    """dpkg killed mid-upgrade leaves its last record in /var/lib/dpkg/updates, not in status:
    pyguard reads the database as dpkg does, finds the package half done and finishes it."""
    root = real_root(release)
    prerm = "/var/lib/dpkg/info/python3-six.prerm"
    shipped = root.host(prerm).read_text() if root.host(prerm).exists() else "#!/bin/sh\n"
    root.write(prerm, KILL_ONCE + shipped.split("\n", 1)[1], mode=0o755)
    killed = root.run("apt-get install --reinstall -y python3-six", check=False)
    assert killed.returncode == 100, killed.stdout + killed.stderr
    journal = root.run("ls /var/lib/dpkg/updates").stdout.split()
    status = root.run("grep -A3 '^Package: python3-six$' /var/lib/dpkg/status").stdout
    assert journal and "Status: install ok installed" in status, (journal, status)
    code, envelope = doctor(root)
    assert code == 2
    assert envelope["findings"] == [
        dict(interrupted("python3-six (half-configured, must be reinstalled)", [
            {"command": "dpkg --triggers-only -a",
             "note": "write down what the journal of the killed dpkg holds: apt refuses to run "
                     "until then"},
            {"command": "apt-get install --reinstall -y python3-six",
             "note": "unpack again what dpkg flagged \"reinstall required\""},
            CONFIGURE,
        ]), paths=["/var/lib/dpkg/status", "/var/lib/dpkg/updates"]),
    ]
    assert_healed(root, envelope, AUDIT_CLEAN, "python3 -c 'import six'",
                  "test -z \"$(ls /var/lib/dpkg/updates)\"",
                  "apt-get install --reinstall -y python3-six")
