"""broken-pip-command: root's pip, pip3, pip3.X scripts whose interpreter or pip is gone."""

from fakeroot_dpkg_pip_path import OLD_PIP_SCRIPT, PIP_SCRIPT, install_python3_pip, pip_tree

LOCAL_BIN = "/usr/local/bin"
MOVED = "move the broken scripts aside (kept in /var/lib/pyguard/aside)"
REINSTALL = ("apt-get install --reinstall -y python3-pip", "restore Debian's pip as shipped")


def move(label, *paths):
    return ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
            f"--suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)\" "
            + " ".join(p.lstrip("/") for p in paths), MOVED)


def pip_finding(directory, problems, paths, repair, hidden=""):
    return {
        "rule": "broken-pip-command",
        "severity": "error",
        "title": f"pip commands in {directory} fail to start",
        "detail": f"Running them as root fails: {problems}.{hidden}",
        "subject": directory,
        "paths": paths,
        "repair": repair,
    }


def test_healthy_root_with_python3_pip_has_no_findings(fake_root, doctor):
    install_python3_pip(fake_root)
    assert doctor(fake_root) == []


def test_env_shebang_and_a_pip_in_roots_user_site_that_works(fake_root, doctor):
    install_python3_pip(fake_root)
    fake_root.write("/root/.local/bin/pip3", PIP_SCRIPT.replace("/usr/bin/python3", "/usr/bin/env python3"))
    assert doctor(fake_root, only=["broken-pip-command"]) == []


def test_scripts_of_a_removed_source_build_are_moved_aside(fake_root, doctor):
    install_python3_pip(fake_root)
    for name in ("pip3", "pip3.12"):
        fake_root.write(f"{LOCAL_BIN}/{name}", PIP_SCRIPT.replace("/usr/bin/python3", "/usr/local/bin/python3.12"))
    gone = "its interpreter /usr/local/bin/python3.12 does not exist"
    assert doctor(fake_root) == [pip_finding(
        LOCAL_BIN, f"pip3: {gone}, pip3.12: {gone}",
        [f"{LOCAL_BIN}/pip3", f"{LOCAL_BIN}/pip3.12"],
        [move("pip-commands-usr-local-bin", f"{LOCAL_BIN}/pip3", f"{LOCAL_BIN}/pip3.12")])]


def test_debian_pip_module_removed_is_reinstalled(fake_root, doctor):
    install_python3_pip(fake_root)
    fake_root.remove("/usr/lib/python3/dist-packages/pip")
    missing = "No module named 'pip'"
    # modified-debian-file also reports python3-pip's missing files, with the same reinstall
    assert doctor(fake_root, only=["broken-pip-command"]) == [pip_finding(
        "/usr/bin", f"pip: {missing}, pip3: {missing}, pip3.11: {missing}",
        ["/usr/bin/pip", "/usr/bin/pip3", "/usr/bin/pip3.11"], [REINSTALL])]


def test_orphan_script_without_any_pip_left(fake_root, doctor):
    fake_root.write(f"{LOCAL_BIN}/pip", PIP_SCRIPT)  # get-pip.py's script; pip itself removed
    # python3-pip-missing also says that someone uses pip without Debian's python3-pip
    assert doctor(fake_root, only=["broken-pip-command"]) == [pip_finding(
        LOCAL_BIN, "pip: No module named 'pip'", [f"{LOCAL_BIN}/pip"],
        [move("pip-commands-usr-local-bin", f"{LOCAL_BIN}/pip")])]


def test_old_style_debian_script_and_a_newer_pip_in_usr_local(fake_root, doctor):
    """pypa/pip#5447: Debian's `from pip import main` meets pip 10 in /usr/local."""
    install_python3_pip(fake_root, version="9.0.1")
    fake_root.write("/usr/bin/pip3", OLD_PIP_SCRIPT)
    local = "/usr/local/lib/python3.11/dist-packages"
    files = {path[len(local) + 1:]: text
             for path, text in pip_tree(local, "10.0.1", main_in_init=False).items()}
    fake_root.pip_install(local, "pip", "10.0.1", top_level=["pip"], files=files,
                          scripts={"pip": PIP_SCRIPT, "pip3": PIP_SCRIPT})
    assert doctor(fake_root, only=["broken-pip-command"]) == [pip_finding(
        "/usr/bin", f"pip3: cannot import name 'main' from 'pip' ({local}/pip/__init__.py)",
        ["/usr/bin/pip3"], [],
        hidden=f" Debian's scripts import {local}/pip instead of Debian's pip; moving that copy "
               "aside (see its own finding) repairs them.")]


def test_script_of_pip_10_meets_a_pip_without_pip_internal_main(fake_root, doctor):
    """pypa/pip#7315: `from pip._internal import main` with a pip that dropped it."""
    install_python3_pip(fake_root)
    fake_root.write(f"{LOCAL_BIN}/pip3", PIP_SCRIPT.replace("pip._internal.cli.main", "pip._internal"))
    assert doctor(fake_root) == [pip_finding(
        LOCAL_BIN, "pip3: cannot import name 'main' from 'pip._internal' "
                   "(/usr/lib/python3/dist-packages/pip/_internal/__init__.py)",
        [f"{LOCAL_BIN}/pip3"], [move("pip-commands-usr-local-bin", f"{LOCAL_BIN}/pip3")])]


def test_scripts_a_pip_project_lists_are_left_to_its_own_finding(fake_root, doctor):
    local = "/usr/local/lib/python3.11/dist-packages"
    fake_root.pip_install(local, "pip", "24.0", top_level=["pip"], files={"pip/__init__.py": ""},
                          scripts={"pip3": PIP_SCRIPT.replace("/usr/bin/python3", "/usr/local/bin/python3.12")})
    assert doctor(fake_root, only=["broken-pip-command"]) == [pip_finding(
        LOCAL_BIN, "pip3: its interpreter /usr/local/bin/python3.12 does not exist",
        [f"{LOCAL_BIN}/pip3"], [],
        hidden=f" pip installed {LOCAL_BIN}/pip3 along with a project; moving that project aside "
               "(see its own finding) takes the scripts too.")]


def test_debian_script_whose_python3_is_gone_is_left_to_python3_link(fake_root, doctor):
    install_python3_pip(fake_root)
    fake_root.remove("/usr/bin/python3")
    assert doctor(fake_root, only=["broken-pip-command"]) == []


def test_debian_script_whose_python3_runs_another_build_is_left_to_python3_link(fake_root, doctor):
    install_python3_pip(fake_root)
    fake_root.write("/opt/conda/bin/python3", b"\x7fELF")
    fake_root.write("/opt/conda/lib/python3.12/os.py", "")
    fake_root.symlink("/usr/bin/python3", "/opt/conda/bin/python3")
    assert doctor(fake_root, only=["broken-pip-command"]) == []
