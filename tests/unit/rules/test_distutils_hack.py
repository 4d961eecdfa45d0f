"""distutils-hack: setuptools' _distutils_hack left behind without its setuptools."""

LOCAL = "/usr/local/lib/python3.11/dist-packages"
PTH = ("import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
       "'local'; enabled and __import__('_distutils_hack').add_shim(); \n")


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_orphaned_hack_after_setuptools_was_deleted_by_hand(fake_root, doctor):
    fake_root.write(f"{LOCAL}/_distutils_hack/__init__.py", "")
    fake_root.write(f"{LOCAL}/distutils-precedence.pth", PTH)
    findings = doctor(fake_root)
    assert [f["rule"] for f in findings] == ["startup-hook", "distutils-hack"]
    assert findings[1:] == [{
        "rule": "distutils-hack",
        "severity": "warning",
        "title": f"setuptools' distutils hack in {LOCAL} without its setuptools",
        "detail": f"{LOCAL}/_distutils_hack is setuptools' replacement for distutils, but no installed "
                  f"project in {LOCAL} owns it. Loaded by a distutils-precedence.pth, it makes every "
                  "Python that root runs swap Debian's patched distutils for setuptools' own copy, "
                  "which installs into the wrong places on Debian.",
        "subject": f"{LOCAL}/_distutils_hack",
        "paths": [f"{LOCAL}/_distutils_hack", f"{LOCAL}/distutils-precedence.pth"],
        "repair": [('mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf "$(mktemp '
                    '--suffix=.tar.gz /var/lib/pyguard/aside/distutils-hack-3.11.XXXXXX)" '
                    f"{LOCAL.lstrip('/')}/_distutils_hack {LOCAL.lstrip('/')}/distutils-precedence.pth",
                    "move the distutils hack aside (kept in /var/lib/pyguard/aside)")],
    }]


def test_a_whole_setuptools_is_left_to_the_rules_that_move_it(fake_root, doctor):
    fake_root.pip_install(LOCAL, "setuptools", "75.1.0",
                          top_level=["_distutils_hack", "pkg_resources", "setuptools"])
    assert doctor(fake_root, only=["distutils-hack"]) == []


def test_hack_without_its_pth(fake_root, doctor):
    fake_root.write(f"{LOCAL}/_distutils_hack/__init__.py", "")
    [finding] = doctor(fake_root)
    assert finding["repair"][0][0].endswith(" usr/local/lib/python3.11/dist-packages/_distutils_hack")
