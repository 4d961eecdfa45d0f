"""env-guard-rails: PYTHONPATH, PYTHONHOME, PYTHONSTARTUP, PYTHONUSERBASE set for root or everyone."""

from expected_findings import KEEP, KEPT, commented_out
from fakeroot_startup import ROOT_BASHRC, debian_shell_files

PYTHONPATH = ("PYTHONPATH puts its directories before the standard library and Debian's packages "
              "on sys.path, so Debian's own tools import modules from there.")
PYTHONHOME = ("PYTHONHOME makes /usr/bin/python3 load its standard library from another prefix: it "
              "then fails to start (No module named 'encodings') or runs code Debian never built.")
PYTHONSTARTUP = ("PYTHONSTARTUP names a file that every interactive python3 session runs first, "
                 "root's too.")
PYTHONUSERBASE = ("PYTHONUSERBASE moves the user site directory, which comes before /usr/local and "
                  "Debian's dist-packages on sys.path, to another place whose modules then hide "
                  "Debian's.")
PAM = ("pam_env puts it into every login session (console, ssh, su -, sudo -i), root's included, "
       "and from there into every program started in it.")
SHELL = ("Shells read this file for every user, root included, and pass it on to every program "
         "started from them.")
ROOT = "root's shells read this file and pass it on to every program root starts from them."
SUDO = "With env_keep, sudo hands the calling user's value on to every command it runs as root."


def env(path, variables, how, lines, effects, reach, numbers, label):
    return {
        "rule": "env-guard-rails",
        "severity": "error",
        "title": f"{variables} {how} in {path}",
        "detail": f"{path}, {lines}. {effects} {reach}",
        "subject": path,
        "paths": [path],
        "repair": commented_out(path, numbers, label),
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    debian_shell_files(fake_root)
    assert doctor(fake_root) == []


def test_pythonpath_in_etc_environment(fake_root, doctor):
    debian_shell_files(fake_root)
    fake_root.write("/etc/environment", 'PATH="/usr/local/bin:/usr/bin:/bin"\n'
                                        'PYTHONPATH="/opt/project/lib"\nPYTHONHOME=\n')
    assert doctor(fake_root) == [
        env("/etc/environment", "PYTHONPATH", "set for every login session",
            'line 2: PYTHONPATH="/opt/project/lib"', PYTHONPATH, PAM, [2], "etc-environment"),
    ]


def test_later_line_switching_it_off_wins_in_etc_environment(fake_root, doctor):
    fake_root.write("/etc/environment", "PYTHONPATH=/opt/x\nPYTHONPATH=\n")
    assert doctor(fake_root) == []


def test_profile_d_script_with_exports_and_a_comment(fake_root, doctor):
    debian_shell_files(fake_root)
    fake_root.write("/etc/profile.d/project.sh",
                    "# project settings\nexport PYTHONPATH=/opt/x:$PYTHONPATH  # libs\n"
                    "PYTHONSTARTUP=/etc/pythonrc\nexport PYTHONSTARTUP\n"
                    "PYTHONUSERBASE=/x python3 -c pass\n")
    fake_root.write("/etc/profile.d/project.csh", "setenv PYTHONPATH /opt/x\n")  # not read by sh
    assert doctor(fake_root) == [
        env("/etc/profile.d/project.sh", "PYTHONPATH, PYTHONSTARTUP", "set for every shell",
            "line 2: export PYTHONPATH=/opt/x:$PYTHONPATH  # libs; "
            "line 3: PYTHONSTARTUP=/etc/pythonrc; line 4: export PYTHONSTARTUP",
            f"{PYTHONPATH} {PYTHONSTARTUP}", SHELL, [2, 3, 4], "etc-profile.d-project.sh"),
    ]


def test_unexported_and_commented_assignments_are_not_reported(fake_root, doctor):
    debian_shell_files(fake_root)
    fake_root.write("/root/.bashrc", ROOT_BASHRC + "PYTHONPATH=/opt/only-this-shell\n"
                                                   "# export PYTHONHOME=/opt/py\n"
                                                   "echo 'export PYTHONHOME=/x'\n")
    assert doctor(fake_root) == []


def test_conditional_export_continued_on_two_lines_in_root_bashrc(fake_root, doctor):
    debian_shell_files(fake_root)
    fake_root.write("/root/.bashrc", ROOT_BASHRC + "[ -d /opt/py ] && export PYTHONHOME=/opt/py \\\n"
                                                   "    PYTHONUSERBASE=/opt/base\n")
    assert doctor(fake_root) == [
        env("/root/.bashrc", "PYTHONHOME, PYTHONUSERBASE", "set for root's shells",
            "line 11: [ -d /opt/py ] && export PYTHONHOME=/opt/py PYTHONUSERBASE=/opt/base",
            f"{PYTHONHOME} {PYTHONUSERBASE}", ROOT, [11, 12], "root-.bashrc"),
    ]


def test_set_a_exports_plain_assignments_in_etc_bash_bashrc(fake_root, doctor):
    fake_root.write("/etc/bash.bashrc", "set -a\nPYTHONPATH=/srv/lib\nset +a\n")
    assert doctor(fake_root) == [
        env("/etc/bash.bashrc", "PYTHONPATH", "set for every shell", "line 2: PYTHONPATH=/srv/lib",
            PYTHONPATH, SHELL, [2], "etc-bash.bashrc"),
    ]


def test_sudoers_env_keep_in_included_dir(fake_root, doctor):
    fake_root.write("/etc/sudoers", "Defaults\tenv_reset\nDefaults\tsecure_path=\"/usr/bin\"\n"
                                    "@includedir /etc/sudoers.d\n")
    fake_root.write("/etc/sudoers.d/README", "# files with a . are skipped\n")
    fake_root.write("/etc/sudoers.d/python", 'Defaults env_keep += "PYTHONPATH HTTP_PROXY"\n')
    fake_root.write("/etc/sudoers.d/python.bak", 'Defaults env_keep += "PYTHONHOME"\n')
    fake_root.write("/etc/sudoers.d/old", 'Defaults env_keep -= "PYTHONHOME"\n')
    assert doctor(fake_root) == [
        env("/etc/sudoers.d/python", "PYTHONPATH", "let through sudo",
            'line 1: Defaults env_keep += "PYTHONPATH HTTP_PROXY"', PYTHONPATH, SUDO, [1],
            "etc-sudoers.d-python"),
    ]


def test_sudoers_wildcard_and_user_defaults_in_etc_sudoers(fake_root, doctor):
    fake_root.write("/etc/sudoers", "Defaults:alice env_keep = PYTHON*\n")
    assert doctor(fake_root) == [
        env("/etc/sudoers", "PYTHONPATH, PYTHONHOME, PYTHONSTARTUP, PYTHONUSERBASE",
            "let through sudo", "line 1: Defaults:alice env_keep = PYTHON*",
            f"{PYTHONPATH} {PYTHONHOME} {PYTHONSTARTUP} {PYTHONUSERBASE}", SUDO, [1],
            "etc-sudoers"),
    ]


def test_sudo_keeping_the_callers_home_is_reported(fake_root, doctor):
    """CORPUS 24: with her HOME, `sudo python3` reads alice's ~/.local first: her pip install
    --user runs as root. HOME elsewhere (/etc/environment) is nobody's guard rail."""
    fake_root.write("/etc/sudoers", 'Defaults\tenv_reset\nDefaults\tenv_keep += "HOME EDITOR"\n')
    fake_root.write("/etc/environment", "HOME=/root\n")
    home = ("With the calling user's HOME, root's python3 puts her ~/.local site directory before "
            "/usr/local and Debian's dist-packages on sys.path: what she installed there with pip "
            "install --user runs as root in every Python program sudo starts, apt's hooks under "
            "sudo apt among them.")
    assert doctor(fake_root) == [
        env("/etc/sudoers", "HOME", "let through sudo", 'line 2: Defaults\tenv_keep += "HOME EDITOR"',
            home, SUDO, [2], "etc-sudoers"),
    ]


def test_symlinked_root_profile_is_edited_where_it_lives(fake_root, doctor):
    fake_root.write("/root/dotfiles/profile", "export PYTHONPATH=/root/lib\n")
    fake_root.symlink("/root/.profile", "dotfiles/profile")
    finding = env("/root/.profile", "PYTHONPATH", "set for root's shells",
                  "line 1: export PYTHONPATH=/root/lib", PYTHONPATH, ROOT, [1], "root-.profile")
    finding["paths"] = ["/root/.profile", "/root/dotfiles/profile"]
    finding["repair"] = [(KEEP.format(label="root-.profile", path="root/dotfiles/profile")
                          + " && sed -i '1s/^/# disabled by pyguard: /' /root/dotfiles/profile",
                          KEPT + ", then comment out line 1")]
    assert doctor(fake_root) == [finding]


def test_pam_env_conf_default(fake_root, doctor):
    fake_root.write("/etc/security/pam_env.conf",
                    "#PYTHONPATH DEFAULT=/x\nPYTHONHOME\tDEFAULT=\nPYTHONPATH DEFAULT=/opt/lib\n")
    assert doctor(fake_root) == [
        env("/etc/security/pam_env.conf", "PYTHONPATH", "set for every login session",
            "line 3: PYTHONPATH DEFAULT=/opt/lib", PYTHONPATH, PAM, [3],
            "etc-security-pam_env.conf"),
    ]


SERVICES = ("systemd passes it to every service it starts once it reads the file again "
            "(systemctl daemon-reexec, a reboot), apt's daily upgrade and unattended-upgrades "
            "among them, which run as root.")


def test_systemd_default_environment(fake_root, doctor):
    fake_root.write("/etc/systemd/system.conf", "[Manager]\n#DefaultEnvironment=\n")
    fake_root.write("/etc/systemd/system.conf.d/python.conf",
                    '[Manager]\nDefaultEnvironment="PYTHONPATH=/srv/lib" LANG=C.UTF-8\n')
    fake_root.write("/etc/systemd/system.conf.d/reset.txt", "[Manager]\nDefaultEnvironment=PYTHONHOME=/x\n")
    assert doctor(fake_root) == [
        env("/etc/systemd/system.conf.d/python.conf", "PYTHONPATH", "set for every system service",
            'line 2: DefaultEnvironment="PYTHONPATH=/srv/lib" LANG=C.UTF-8', PYTHONPATH, SERVICES,
            [2], "etc-systemd-system.conf.d-python.conf"),
    ]


def test_systemd_default_environment_reset_later_in_the_file(fake_root, doctor):
    fake_root.write("/etc/systemd/system.conf",
                    "[Manager]\nDefaultEnvironment=PYTHONPATH=/srv/lib\nDefaultEnvironment=\n")
    assert doctor(fake_root) == []
