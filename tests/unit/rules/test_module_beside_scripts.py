"""module-beside-scripts: NAME.py next to Debian's scripts hides Debian's NAME module."""

MOVE = ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
        "--suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)\" {path}")


def finding(path, module, directory, debian):
    return {
        "rule": "module-beside-scripts",
        "severity": "error",
        "title": f"{path} hides the {module} module from Python scripts in {directory}",
        "detail": f"Python puts a script's own directory first on sys.path, so every Python script "
                  f"in {directory} that imports {module} gets {path} instead of the module {debian} "
                  f"ships. No Debian package installed {path}.",
        "subject": path,
        "paths": [path],
        "repair": [(MOVE.format(label=path.strip("/").replace("/", "-"), path=path.lstrip("/")),
                    "move the stray module aside (kept in /var/lib/pyguard/aside)")],
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_apt_py_in_usr_bin(fake_root, doctor):
    """ros_buildfarm#456: a stray apt.py beside Debian's scripts."""
    fake_root.write("/usr/bin/apt.py", "print('hello')\n")
    assert doctor(fake_root) == [finding("/usr/bin/apt.py", "apt", "/usr/bin", "python3-apt")]


def test_stdlib_name_in_usr_local_bin_and_sbin(fake_root, doctor):
    fake_root.write("/usr/local/bin/json.py", "")
    fake_root.symlink("/usr/sbin/six.py", "/home/alice/six.py")
    fake_root.write("/usr/local/sbin/json.py", "")  # first on root's PATH
    assert doctor(fake_root) == [
        finding("/usr/local/bin/json.py", "json", "/usr/local/bin", "libpython3.11-stdlib"),
        finding("/usr/local/sbin/json.py", "json", "/usr/local/sbin", "libpython3.11-stdlib"),
        finding("/usr/sbin/six.py", "six", "/usr/sbin", "python3-six"),
    ]


def test_other_names_and_owned_files_are_fine(fake_root, doctor):
    fake_root.write("/usr/local/bin/myscript.py", "")
    fake_root.install("python3-example", arch="all", files={"/usr/bin/six.py": "# Debian's\n"})
    assert doctor(fake_root) == []
