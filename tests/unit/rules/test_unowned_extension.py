"""unowned-extension: hand-made copies or links named like a Debian extension module."""

DIST = "/usr/lib/python3/dist-packages"
FAKE = "Such copies (often \"cp apt_pkg.cpython-3X-....so apt_pkg.so\") load a module built for " \
       "another Python and crash or hide the real breakage."


def finding(path: str, package: str, label: str):
    return {
        "rule": "unowned-extension",
        "severity": "error",
        "title": f"hand-made copy of a {package} module: {path}",
        "detail": f"{path} is not from any Debian package but carries the name of a module "
                  f"{package} ships. {FAKE}",
        "subject": path,
        "paths": [path],
        "repair": [
            ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
             f"--suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)\" {path.lstrip('/')}",
             "move the copy aside (kept in /var/lib/pyguard/aside)"),
            (f"apt-get install --reinstall -y {package}", "restore the real modules as shipped"),
        ],
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_apt_pkg_so_symlink_to_the_311_build(fake_root, doctor):
    fake_root.symlink(f"{DIST}/apt_pkg.so", "apt_pkg.cpython-311-x86_64-linux-gnu.so")
    assert doctor(fake_root) == [finding(f"{DIST}/apt_pkg.so", "python3-apt", "apt_pkg.so")]


def test_apt_pkg_copied_under_the_312_name(fake_root, doctor):
    path = f"{DIST}/apt_pkg.cpython-312-x86_64-linux-gnu.so"
    fake_root.write(path, b"\x7fELF copy")
    assert doctor(fake_root) == [
        finding(path, "python3-apt", "apt_pkg.cpython-312-x86_64-linux-gnu.so"),
    ]


def test_gi_copy_inside_the_gi_package(fake_root, doctor):
    fake_root.write(f"{DIST}/gi/_gi.so", b"\x7fELF copy")
    assert doctor(fake_root) == [finding(f"{DIST}/gi/_gi.so", "python3-gi", "_gi.so")]


def test_unrelated_so_in_dist_packages_is_left_to_stray_rule(fake_root, doctor):
    fake_root.write(f"{DIST}/gi/_other.so", b"\x7fELF")
    assert doctor(fake_root, only=["unowned-extension"]) == []
