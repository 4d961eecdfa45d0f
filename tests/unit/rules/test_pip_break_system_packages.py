"""pip-break-system-packages: PEP 668 switched off in pip's configuration or root's environment."""

from expected_findings import commented_out
from fakeroot_startup import ROOT_BASHRC, debian_shell_files

IGNORE = ("makes pip ignore the PEP 668 marker: \"sudo pip install\" writes into the system "
          "interpreter without a word, over the packages Debian manages.")
PIP = "pip reads this file whenever root runs it."
ROOT = "root's shells read this file and pass it on to every program root starts from them."
SUDO = "With env_keep, sudo hands the calling user's value on to every command it runs as root."


def pip(path, variable, how, lines, reach, numbers, label):
    return {
        "rule": "pip-break-system-packages",
        "severity": "warning",
        "title": f"{variable} {how} in {path}",
        "detail": f"{path}, {lines}. {variable} {IGNORE} {reach}",
        "subject": path,
        "paths": [path],
        "repair": commented_out(path, numbers, label),
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    debian_shell_files(fake_root)
    assert doctor(fake_root) == []


def test_pip_conf_of_this_kind_of_host_is_fine(fake_root, doctor):
    fake_root.write("/etc/pip.conf", "[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n")
    fake_root.write("/etc/xdg/pip/pip.conf", "[global]\nconstraint = /etc/xdg/pip/constraints.txt\n"
                                             "break-system-packages = false\n")
    fake_root.write("/root/.config/pip/pip.conf", "[list]\nbreak-system-packages = true\n")
    assert doctor(fake_root) == []


def test_break_system_packages_in_etc_pip_conf(fake_root, doctor):
    fake_root.write("/etc/pip.conf", "[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n"
                                     "break_system_packages = yes\n[install]\n"
                                     "break-system-packages=true\n")
    assert doctor(fake_root) == [
        pip("/etc/pip.conf", "break-system-packages", "turned on",
            "line 3: break_system_packages = yes; line 5: break-system-packages=true", PIP, [3, 5],
            "etc-pip.conf"),
    ]


def test_break_system_packages_in_roots_xdg_pip_conf(fake_root, doctor):
    fake_root.write("/root/.config/pip/pip.conf", "[install]\nbreak-system-packages = 1\n")
    assert doctor(fake_root) == [
        pip("/root/.config/pip/pip.conf", "break-system-packages", "turned on",
            "line 2: break-system-packages = 1", PIP, [2], "root-.config-pip-pip.conf"),
    ]


def test_pip_variable_in_root_bashrc(fake_root, doctor):
    debian_shell_files(fake_root)
    fake_root.write("/root/.bashrc", ROOT_BASHRC + "export PIP_BREAK_SYSTEM_PACKAGES=1\n")
    assert doctor(fake_root) == [
        pip("/root/.bashrc", "PIP_BREAK_SYSTEM_PACKAGES", "set for root's shells",
            "line 11: export PIP_BREAK_SYSTEM_PACKAGES=1", ROOT, [11], "root-.bashrc"),
    ]


def test_pip_variable_switched_off_again_is_fine(fake_root, doctor):
    fake_root.write("/root/.bashrc", "export PIP_BREAK_SYSTEM_PACKAGES=1\n"
                                     "export PIP_BREAK_SYSTEM_PACKAGES=false\n")
    assert doctor(fake_root) == []


def test_pip_variable_let_through_sudo(fake_root, doctor):
    fake_root.write("/etc/sudoers.d/pip", "Defaults env_keep += PIP_*\n")
    assert doctor(fake_root) == [
        pip("/etc/sudoers.d/pip", "PIP_BREAK_SYSTEM_PACKAGES", "let through sudo",
            "line 1: Defaults env_keep += PIP_*", SUDO, [1], "etc-sudoers.d-pip"),
    ]
