"""site-packages-dir: /usr/lib/python3.X/site-packages, which Debian's Python never reads."""

MOVE = ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
        "--suffix=.tar.gz /var/lib/pyguard/aside/python3.11-site-packages.XXXXXX)\" "
        "usr/lib/python3.11/site-packages")
SITE = "/usr/lib/python3.11/site-packages"


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_setup_py_install_prefix_usr(fake_root, doctor):
    fake_root.pip_install(SITE, "attrs", "23.2.0", top_level=["attr", "attrs"])
    assert doctor(fake_root) == [{
        "rule": "site-packages-dir",
        "severity": "warning",
        "title": f"{SITE} exists, but Debian's Python never reads it",
        "detail": f"Debian's Python looks for third-party modules in dist-packages, not in {SITE}, "
                  "so what was installed there is invisible to python3: attrs 23.2.0. A tool that "
                  "writes there was not built for Debian (a pip, setuptools or \"make install\" of "
                  "upstream Python with prefix /usr) and may have changed other files under /usr too.",
        "subject": SITE,
        "paths": [SITE],
        "repair": [(MOVE, "move the directory aside (kept in /var/lib/pyguard/aside)")],
    }]


def test_loose_module_is_named(fake_root, doctor):
    fake_root.write(f"{SITE}/mymod.py", "")
    [finding] = doctor(fake_root)
    assert "invisible to python3: mymod.py." in finding["detail"]


def test_empty_directory_is_harmless(fake_root, doctor):
    fake_root.mkdir(f"{SITE}/__pycache__")
    assert doctor(fake_root) == []
