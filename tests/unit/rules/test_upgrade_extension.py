"""upgrade-extension: compiled modules no package owns, built for the Python the upgrade replaces."""

from fakeroot_upgrade import trixie_lists

DIST = "/usr/lib/python3/dist-packages"
ARCHIVE = '"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/abi-3.11.XXXXXX)"'


def test_a_hand_copied_extension_of_the_old_abi_will_not_load(fake_root, doctor):
    fake_root.write(f"{DIST}/fastjson.cpython-311-x86_64-linux-gnu.so", b"\x7fELF")
    fake_root.write(f"{DIST}/vendored/_c.cpython-311-x86_64-linux-gnu.so", b"\x7fELF")
    fake_root.write(f"{DIST}/vendored/__init__.py", "")
    fake_root.write(f"{DIST}/portable.abi3.so", b"\x7fELF")
    assert doctor(fake_root, only=["upgrade-extension"]) == []
    trixie_lists(fake_root)
    paths = [f"{DIST}/fastjson.cpython-311-x86_64-linux-gnu.so",
             f"{DIST}/vendored/_c.cpython-311-x86_64-linux-gnu.so"]
    assert doctor(fake_root, only=["upgrade-extension"]) == [{
        "rule": "upgrade-extension",
        "severity": "warning",
        "title": "compiled modules no package owns will not load with Python 3.13",
        "detail": f"In /usr/lib/python3/dist-packages, built for Python 3.11 only: {', '.join(paths)}. "
                  "That directory stays on sys.path at the upgrade to Debian 13 (trixie), but "
                  "Python 3.13 does not load a module built for 3.11: importing them fails "
                  "afterwards.",
        "subject": DIST,
        "paths": paths,
        "repair": [(f"mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf {ARCHIVE} "
                    + " ".join(p.lstrip("/") for p in paths),
                    "move them aside (kept in /var/lib/pyguard/aside)")],
    }]
