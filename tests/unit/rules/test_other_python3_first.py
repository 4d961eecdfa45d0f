"""other-python3-first: a python3 ahead of Debian's in the PATH of root's shells, sudo or cron."""

from fakeroot_dpkg_pip_path import CONDA_BLOCK, DEBIAN_BASHRC, conda, login_defs, root_sudoers

TAIL = (" Scripts that start with \"#!/usr/bin/env python3\", and every \"python3\" typed as root "
        "or run through sudo, then get that interpreter instead of Debian's, without the modules "
        "Debian's packages installed for it.")
DEBIAN_SECURE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MOVE_NOTE = "move the python3 aside (kept in /var/lib/pyguard/aside)"
EDIT_NOTE = "keep a copy of each file (in /var/lib/pyguard/aside), then comment out the lines"
LOGIN = "root's login shell"
SHELLS = "root's login shell, root's interactive shell"
SHIM = "/root/.pyenv/shims/python3"
SHIM_SEEN = f"{SHIM}, pyenv's shim (its global version is 3.12.1), is found before Debian's /usr/bin/python3"
SHIM_LABEL = "python3-path-root-.pyenv-shims-python3"

# Debian 12's own files, as base-files and bash ship them (root's .profile from
# /usr/share/base-files/dot.profile, the one new users get from /etc/skel).
DEBIAN_PROFILE = """\
# /etc/profile: system-wide .profile file for the Bourne shell (sh(1))
# and Bourne compatible shells (bash(1), ksh(1), ash(1), ...).

if [ "$(id -u)" -eq 0 ]; then
  PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
else
  PATH="/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"
fi
export PATH

if [ "${PS1-}" ]; then
  if [ "${BASH-}" ] && [ "$BASH" != "/bin/sh" ]; then
    # The file bash.bashrc already sets the default PS1.
    # PS1='\\h:\\w\\$ '
    if [ -f /etc/bash.bashrc ]; then
      . /etc/bash.bashrc
    fi
  else
    if [ "$(id -u)" -eq 0 ]; then
      PS1='# '
    else
      PS1='$ '
    fi
  fi
fi

if [ -d /etc/profile.d ]; then
  for i in /etc/profile.d/*.sh; do
    if [ -r $i ]; then
      . $i
    fi
  done
  unset i
fi
"""
BASH_BASHRC = """\
# System-wide .bashrc file for interactive bash(1) shells.

# If not running interactively, don't do anything
[ -z "$PS1" ] && return

shopt -s checkwinsize

if [ -z "${debian_chroot:-}" ] && [ -r /etc/debian_chroot ]; then
    debian_chroot=$(cat /etc/debian_chroot)
fi

if ! [ -n "${SUDO_USER}" -a -n "${SUDO_PS1}" ]; then
  PS1='${debian_chroot:+($debian_chroot)}\\u@\\h:\\w\\$ '
fi

# if the command-not-found package is installed, use it
if [ -x /usr/lib/command-not-found -o -x /usr/share/command-not-found/command-not-found ]; then
	function command_not_found_handle {
                if [ -x /usr/lib/command-not-found ]; then
		   /usr/lib/command-not-found -- "$1"
                   return $?
		else
		   printf "%s: command not found\\n" "$1" >&2
		   return 127
		fi
	}
fi
"""
ROOT_PROFILE = """\
# ~/.profile: executed by Bourne-compatible login shells.

if [ "$BASH" ]; then
  if [ -f ~/.bashrc ]; then
    . ~/.bashrc
  fi
fi

mesg n 2> /dev/null || true
"""
SKEL_PROFILE = """\
# ~/.profile: executed by the command interpreter for login shells.
# This file is not read by bash(1), if ~/.bash_profile or ~/.bash_login
# exists.
# see /usr/share/doc/bash/examples/startup-files for examples.
# the files are located in the bash-doc package.

# the default umask is set in /etc/profile; for setting the umask
# for ssh logins, install and configure the libpam-umask package.
#umask 022

# if running bash
if [ -n "$BASH_VERSION" ]; then
    # include .bashrc if it exists
    if [ -f "$HOME/.bashrc" ]; then
\t. "$HOME/.bashrc"
    fi
fi

# set PATH so it includes user's private bin if it exists
if [ -d "$HOME/bin" ] ; then
    PATH="$HOME/bin:$PATH"
fi

# set PATH so it includes user's private bin if it exists
if [ -d "$HOME/.local/bin" ] ; then
    PATH="$HOME/.local/bin:$PATH"
fi
"""
PYENV_ROOT = 'export PYENV_ROOT="$HOME/.pyenv"\n'
PYENV_PATH = 'export PATH="$PYENV_ROOT/shims:$PYENV_ROOT/bin:$PATH"\n'
PYENV_INIT = 'eval "$(pyenv init -)"\n'


def finding(subject, contexts, cause, paths, repair):
    return {
        "rule": "other-python3-first",
        "severity": "warning",
        "title": f"another python3 comes before Debian's in {contexts}",
        "detail": cause + "." + TAIL,
        "subject": subject,
        "paths": paths,
        "repair": repair,
    }


def move_aside(label, *paths):
    return (f"mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
            f"--suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)\" "
            + " ".join(p.lstrip("/") for p in paths), MOVE_NOTE)


def comment_out(label, edits, note=EDIT_NOTE):
    """The comment-out step: one archive with a copy of every file, then one sed per file."""
    keep = (f"mkdir -p /var/lib/pyguard/aside && tar -C / -czf \"$(mktemp --suffix=.tar.gz "
            f"/var/lib/pyguard/aside/{label}.XXXXXX)\" " + " ".join(f.lstrip("/") for f in edits))
    seds = [f"sed -i '{';'.join(f'{n}s/^/# disabled by pyguard: /' for n in lines)}' {f}"
            for f, lines in edits.items()]
    return (" && ".join([keep] + seds), note)


def debian_shells(root):
    """Debian's /etc/profile, /etc/bash.bashrc, login.defs and root's .profile and .bashrc."""
    login_defs(root)
    root.write("/etc/profile", DEBIAN_PROFILE)
    root.write("/etc/bash.bashrc", BASH_BASHRC)
    root.write("/root/.profile", ROOT_PROFILE)
    root.write("/root/.bashrc", DEBIAN_BASHRC)


def pyenv_tree(root, with_bin=True):
    """What pyenv's installer leaves in /root/.pyenv, with 3.12.1 as the global version."""
    root.write("/root/.pyenv/shims/python3", "#!/usr/bin/env bash\nset -e\n"
               "exec \"/root/.pyenv/libexec/pyenv\" exec \"$program\" \"$@\"\n")
    root.write("/root/.pyenv/version", "3.12.1\n")
    root.write("/root/.pyenv/versions/3.12.1/bin/python3.12", b"\x7fELF")
    root.write("/root/.pyenv/libexec/pyenv", "#!/usr/bin/env bash\n")
    if with_bin:
        root.symlink("/root/.pyenv/bin/pyenv", "../libexec/pyenv")


def make_install(root, prefix="/usr/local"):
    root.write(f"{prefix}/bin/python3.12", b"\x7fELF")
    root.symlink(f"{prefix}/bin/python3", "python3.12")
    root.write(f"{prefix}/lib/python3.12/os.py", "")


def evidence(doctor, root, *keys):
    """The named evidence of each finding, in order."""
    return [{k: f.evidence[k] for k in keys} for f in doctor.report(root).findings]


def test_healthy_debian_root_has_no_findings(fake_root, doctor):
    debian_shells(fake_root)
    root_sudoers(fake_root, DEBIAN_SECURE_PATH)
    fake_root.write("/etc/crontab", "SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:"
                                    "/bin:/usr/sbin:/usr/bin\n\n17 *\t* * *\troot\tcd / && "
                                    "run-parts --report /etc/cron.hourly\n")
    assert doctor(fake_root) == []


# -- a python3 in Debian's own directories: moved aside -------------------------------------


def test_make_install_python3_in_usr_local_bin(fake_root, doctor):
    debian_shells(fake_root)
    root_sudoers(fake_root, DEBIAN_SECURE_PATH)
    make_install(fake_root)
    assert doctor(fake_root) == [finding(
        "/usr/local/bin/python3", f"{SHELLS}, sudo -i, sudo",
        "/usr/local/bin/python3 is found before Debian's /usr/bin/python3", ["/usr/local/bin/python3"],
        [move_aside("python3-path-usr-local-bin-python3", "/usr/local/bin/python3")])]
    assert evidence(doctor, fake_root, "move", "edits") == [
        {"move": ("/usr/local/bin/python3",), "edits": ()}]


def test_make_altinstall_leaves_python3_alone(fake_root, doctor):
    debian_shells(fake_root)
    fake_root.write("/usr/local/bin/python3.12", b"\x7fELF")
    fake_root.write("/usr/local/lib/python3.12/os.py", "")
    assert doctor(fake_root) == []


def test_usr_local_python3_that_is_a_link_to_debians_is_harmless(fake_root, doctor):
    fake_root.symlink("/usr/local/bin/python3", "/usr/bin/python3.11")
    assert doctor(fake_root) == []


def test_python3_in_usr_local_sbin_counts_too(fake_root, doctor):
    fake_root.write("/usr/local/sbin/python3", b"#!/bin/sh\nexec /opt/py/bin/python3 \"$@\"\n")
    assert doctor(fake_root) == [finding(
        "/usr/local/sbin/python3", SHELLS,
        "/usr/local/sbin/python3 is found before Debian's /usr/bin/python3", ["/usr/local/sbin/python3"],
        [move_aside("python3-path-usr-local-sbin-python3", "/usr/local/sbin/python3")])]


# -- pyenv: its README's PATH line, in .profile, .bashrc or both, with or without pyenv init --


def test_pyenv_path_line_alone_in_profile_reaches_login_shells_and_sudo_i(fake_root, doctor):
    debian_shells(fake_root)
    root_sudoers(fake_root, DEBIAN_SECURE_PATH)
    pyenv_tree(fake_root)
    fake_root.write("/root/.profile", ROOT_PROFILE + PYENV_ROOT + PYENV_PATH)
    assert doctor(fake_root) == [finding(
        SHIM, f"{LOGIN}, sudo -i",
        f"{SHIM_SEEN}: /root/.profile line 11: export PATH=\"$PYENV_ROOT/shims:$PYENV_ROOT/bin:$PATH\"",
        [SHIM, "/root/.profile"], [comment_out(SHIM_LABEL, {"/root/.profile": [11]})])]
    assert evidence(doctor, fake_root, "edits", "label") == [
        {"edits": ("/root/.profile:11",), "label": SHIM_LABEL}]


def test_pyenv_path_line_alone_in_bashrc_reaches_every_shell(fake_root, doctor):
    debian_shells(fake_root)
    pyenv_tree(fake_root)
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + PYENV_ROOT + PYENV_PATH)
    assert doctor(fake_root) == [finding(
        SHIM, SHELLS,
        f"{SHIM_SEEN}: /root/.bashrc line 9: export PATH=\"$PYENV_ROOT/shims:$PYENV_ROOT/bin:$PATH\"",
        [SHIM, "/root/.bashrc"], [comment_out(SHIM_LABEL, {"/root/.bashrc": [9]})])]
    assert evidence(doctor, fake_root, "edits") == [{"edits": ("/root/.bashrc:9",)}]


def test_pyenv_path_line_in_both_files_is_commented_out_in_both(fake_root, doctor):
    debian_shells(fake_root)
    pyenv_tree(fake_root)
    fake_root.write("/root/.profile", ROOT_PROFILE + PYENV_ROOT + PYENV_PATH)
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + PYENV_ROOT + PYENV_PATH)
    line = 'export PATH="$PYENV_ROOT/shims:$PYENV_ROOT/bin:$PATH"'
    assert doctor(fake_root) == [finding(
        SHIM, SHELLS,
        f"{SHIM_SEEN}: /root/.bashrc line 9: {line}; /root/.profile line 11: {line}",
        [SHIM, "/root/.bashrc", "/root/.profile"],
        [comment_out(SHIM_LABEL, {"/root/.bashrc": [9], "/root/.profile": [11]})])]
    assert evidence(doctor, fake_root, "edits") == [
        {"edits": ("/root/.bashrc:9", "/root/.profile:11")}]


def test_pyenv_init_and_the_path_line_before_it_are_both_commented_out(fake_root, doctor):
    # pyenv init takes the shims out of PATH and puts them first: commenting out only the init
    # line leaves the PATH line's shims where they were
    debian_shells(fake_root)
    pyenv_tree(fake_root)
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + PYENV_ROOT + PYENV_PATH + PYENV_INIT)
    assert doctor(fake_root) == [finding(
        SHIM, SHELLS,
        f"{SHIM_SEEN}: /root/.bashrc line 9: export PATH=\"$PYENV_ROOT/shims:$PYENV_ROOT/bin:"
        "$PATH\"; /root/.bashrc line 10: eval \"$(pyenv init -)\"",
        [SHIM, "/root/.bashrc"], [comment_out(SHIM_LABEL, {"/root/.bashrc": [9, 10]})])]


def test_pyenv_readme_set_up_only_its_init_line_puts_shims_first(fake_root, doctor):
    # $PYENV_ROOT/bin holds pyenv itself, no python3: that line stays
    debian_shells(fake_root)
    pyenv_tree(fake_root)
    fake_root.write("/root/.profile", ROOT_PROFILE + PYENV_ROOT +
                    '[[ -d $PYENV_ROOT/bin ]] && export PATH="$PYENV_ROOT/bin:$PATH"\n'
                    'eval "$(pyenv init - bash)"\n')
    assert doctor(fake_root) == [finding(
        SHIM, LOGIN, f"{SHIM_SEEN}: /root/.profile line 12: eval \"$(pyenv init - bash)\"",
        [SHIM, "/root/.profile"], [comment_out(SHIM_LABEL, {"/root/.profile": [12]})])]


def test_pyenv_init_inside_an_if_goes_with_its_if(fake_root, doctor):
    # commenting out the only command of a branch would be a syntax error
    debian_shells(fake_root)
    pyenv_tree(fake_root)
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + PYENV_ROOT +
                    'command -v pyenv >/dev/null || export PATH="$PYENV_ROOT/bin:$PATH"\n'
                    "if command -v pyenv 1>/dev/null 2>&1; then\n"
                    '  eval "$(pyenv init --path)"\n'
                    "fi\n")
    assert evidence(doctor, fake_root, "edits") == [{"edits": ("/root/.bashrc:10,11,12",)}]


def test_a_path_line_beside_other_commands_of_its_if_goes_alone(fake_root, doctor):
    debian_shells(fake_root)
    pyenv_tree(fake_root)
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC +
                    'if [ -d "$HOME/.pyenv" ]; then\n'
                    '  export PYENV_ROOT="$HOME/.pyenv"\n'
                    '  export PATH="$PYENV_ROOT/shims:$PATH"\n'
                    "fi\n")
    assert evidence(doctor, fake_root, "edits") == [{"edits": ("/root/.bashrc:10",)}]


def test_pyenv_init_without_pyenv_on_path_changes_nothing(fake_root, doctor):
    debian_shells(fake_root)
    pyenv_tree(fake_root, with_bin=False)
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + PYENV_INIT)
    assert doctor(fake_root) == []


def test_pyenv_root_set_elsewhere_is_followed(fake_root, doctor):
    debian_shells(fake_root)
    fake_root.write("/opt/pyenv/shims/python3", "#!/usr/bin/env bash\n")
    fake_root.write("/opt/pyenv/version", "3.11.9\n")
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + 'export PYENV_ROOT=/opt/pyenv\n'
                    'export PATH="${PYENV_ROOT}/shims:${PATH}"\n')
    assert doctor(fake_root) == [finding(
        "/opt/pyenv/shims/python3", SHELLS,
        "/opt/pyenv/shims/python3, pyenv's shim (its global version is 3.11.9), is found before "
        "Debian's /usr/bin/python3: /root/.bashrc line 9: export PATH=\"${PYENV_ROOT}/shims:${PATH}\"",
        ["/opt/pyenv/shims/python3", "/root/.bashrc"],
        [comment_out("python3-path-opt-pyenv-shims-python3", {"/root/.bashrc": [9]})])]


# -- other directories put first ----------------------------------------------------------


def test_path_line_in_roots_bashrc_is_commented_out(fake_root, doctor):
    debian_shells(fake_root)
    make_install(fake_root, "/opt/python-3.12")
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + 'export PATH="/opt/python-3.12/bin:$PATH"\n')
    assert doctor(fake_root) == [finding(
        "/opt/python-3.12/bin/python3", SHELLS,
        "/opt/python-3.12/bin/python3 is found before Debian's /usr/bin/python3: /root/.bashrc "
        "line 8: export PATH=\"/opt/python-3.12/bin:$PATH\"",
        ["/opt/python-3.12/bin/python3", "/root/.bashrc"],
        [comment_out("python3-path-opt-python-3.12-bin-python3", {"/root/.bashrc": [8]})])]


def test_appended_directory_does_not_matter(fake_root, doctor):
    debian_shells(fake_root)
    make_install(fake_root, "/opt/python-3.12")
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + 'PATH="$PATH:/opt/python-3.12/bin"\n')
    assert doctor(fake_root) == []


def test_local_bin_with_a_python3_goes_first_as_debians_profile_adds_it(fake_root, doctor):
    debian_shells(fake_root)
    fake_root.write("/root/.profile", SKEL_PROFILE)
    fake_root.write("/opt/python3.12/bin/python3.12", b"\x7fELF")
    fake_root.symlink("/root/.local/bin/python3", "/opt/python3.12/bin/python3.12")
    assert doctor(fake_root) == [finding(
        "/root/.local/bin/python3", LOGIN,
        "/root/.local/bin/python3 is found before Debian's /usr/bin/python3: /root/.profile line "
        "26: PATH=\"$HOME/.local/bin:$PATH\"",
        ["/root/.local/bin/python3", "/root/.profile"],
        [comment_out("python3-path-root-.local-bin-python3", {"/root/.profile": [25, 26, 27]})])]


def test_local_bin_that_does_not_exist_is_not_added(fake_root, doctor):
    debian_shells(fake_root)
    fake_root.write("/root/.profile", SKEL_PROFILE)
    assert doctor(fake_root) == []


def test_profile_d_script_is_read_by_login_shells(fake_root, doctor):
    debian_shells(fake_root)
    make_install(fake_root, "/opt/py")
    fake_root.write("/etc/profile.d/py.sh", 'PATH=/opt/py/bin:"$PATH"\n')
    fake_root.write("/etc/profile.d/py.sh.disabled", 'PATH=/opt/nothing/bin:"$PATH"\n')
    assert doctor(fake_root) == [finding(
        "/opt/py/bin/python3", LOGIN,
        "/opt/py/bin/python3 is found before Debian's /usr/bin/python3: /etc/profile.d/py.sh "
        "line 1: PATH=/opt/py/bin:\"$PATH\"",
        ["/opt/py/bin/python3", "/etc/profile.d/py.sh"],
        [comment_out("python3-path-opt-py-bin-python3", {"/etc/profile.d/py.sh": [1]})])]


def test_etc_environment_reaches_shells_that_do_not_reset_path(fake_root, doctor):
    # /etc/profile sets root's PATH anew; su and a terminal's shell keep pam_env's
    debian_shells(fake_root)
    make_install(fake_root, "/opt/py")
    fake_root.write("/etc/environment", 'PATH="/opt/py/bin:/usr/local/bin:/usr/bin:/bin"\n')
    assert doctor(fake_root) == [finding(
        "/opt/py/bin/python3", "root's interactive shell",
        "/opt/py/bin/python3 is found before Debian's /usr/bin/python3: /etc/environment line 1: "
        "PATH=\"/opt/py/bin:/usr/local/bin:/usr/bin:/bin\"",
        ["/opt/py/bin/python3", "/etc/environment"],
        [comment_out("python3-path-opt-py-bin-python3", {"/etc/environment": [1]})])]


# -- sudo and cron: reported, edited with visudo and crontab -e ----------------------------


def test_secure_path_with_a_directory_of_its_own_is_reported_not_edited(fake_root, doctor):
    debian_shells(fake_root)
    root_sudoers(fake_root, "/opt/py/bin:" + DEBIAN_SECURE_PATH)
    make_install(fake_root, "/opt/py")
    assert doctor(fake_root) == [finding(
        "/opt/py/bin/python3", "sudo",
        "/opt/py/bin/python3 is found before Debian's /usr/bin/python3: /etc/sudoers line 3: "
        "Defaults\tsecure_path=\"/opt/py/bin:" + DEBIAN_SECURE_PATH + "\"",
        ["/opt/py/bin/python3", "/etc/sudoers"], [])]


def test_sudoers_d_files_with_a_dot_are_skipped_as_sudo_skips_them(fake_root, doctor):
    debian_shells(fake_root)
    root_sudoers(fake_root, DEBIAN_SECURE_PATH)
    fake_root.write("/etc/sudoers.d/README", "# sudo reads this one: no dot in its name\n")
    fake_root.write("/etc/sudoers.d/py.disabled", 'Defaults secure_path="/opt/py/bin:/usr/bin"\n')
    make_install(fake_root, "/opt/py")
    assert doctor(fake_root) == []


def test_a_later_sudoers_d_file_sets_secure_path(fake_root, doctor):
    debian_shells(fake_root)
    fake_root.write("/etc/sudoers", 'Defaults\tsecure_path="' + DEBIAN_SECURE_PATH + '"\n'
                                    "#includedir /etc/sudoers.d\n")
    fake_root.write("/etc/sudoers.d/python", 'Defaults secure_path="/opt/py/bin:/usr/sbin:/usr/bin"\n')
    make_install(fake_root, "/opt/py")
    assert doctor(fake_root) == [finding(
        "/opt/py/bin/python3", "sudo",
        "/opt/py/bin/python3 is found before Debian's /usr/bin/python3: /etc/sudoers.d/python "
        "line 1: Defaults secure_path=\"/opt/py/bin:/usr/sbin:/usr/bin\"",
        ["/opt/py/bin/python3", "/etc/sudoers.d/python"], [])]


def test_crontab_path_is_reported_for_the_jobs_below_it(fake_root, doctor):
    debian_shells(fake_root)
    pyenv_tree(fake_root)
    fake_root.write("/etc/crontab", "SHELL=/bin/sh\n"
                                    "PATH=/root/.pyenv/shims:/usr/local/sbin:/usr/local/bin:/sbin:"
                                    "/bin:/usr/sbin:/usr/bin\n"
                                    "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n")
    # a PATH line after the last job changes no job's PATH
    fake_root.write("/var/spool/cron/crontabs/root", "5 4 * * * /usr/local/bin/backup\n"
                                                     "PATH=/opt/nothing/bin:/usr/bin:/bin\n")
    assert doctor(fake_root) == [finding(
        SHIM, "cron (/etc/crontab)",
        f"{SHIM_SEEN}: /etc/crontab line 2: PATH=/root/.pyenv/shims:/usr/local/sbin:"
        "/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin",
        [SHIM, "/etc/crontab"], [])]
    assert evidence(doctor, fake_root, "edits", "move") == [{"edits": (), "move": ()}]


def test_roots_crontab(fake_root, doctor):
    make_install(fake_root, "/opt/py")
    fake_root.write("/var/spool/cron/crontabs/root", "# m h dom mon dow command\n"
                                                     "PATH=/opt/py/bin:/usr/bin:/bin\n"
                                                     "5 4 * * * python3 /root/backup.py\n")
    assert doctor(fake_root) == [finding(
        "/opt/py/bin/python3", "root's crontab",
        "/opt/py/bin/python3 is found before Debian's /usr/bin/python3: "
        "/var/spool/cron/crontabs/root line 2: PATH=/opt/py/bin:/usr/bin:/bin",
        ["/opt/py/bin/python3", "/var/spool/cron/crontabs/root"], [])]


# -- conda ----------------------------------------------------------------------------------


CONDA_NOTE = ("conda: keep a copy of .condarc (in /var/lib/pyguard/aside), then comment out the "
              "setting that activates base")
APPEND = ("printf '%s\\n' 'auto_activate_base: false' | tee -a /root/.condarc > /dev/null",
          "conda: do not activate the base environment")


def test_conda_block_with_auto_activate_base_true(fake_root, doctor):
    debian_shells(fake_root)
    conda(fake_root)
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + CONDA_BLOCK)
    fake_root.write("/root/.condarc", "channels:\n  - defaults\nauto_activate_base: true\n")
    assert doctor(fake_root) == [finding(
        "/root/.condarc", SHELLS,
        "/root/.bashrc (line 8) runs conda's initialize block, and /root/.condarc says "
        "auto_activate_base: true, so conda's base environment and its python3 "
        "(/opt/conda/bin/python3) come first",
        ["/root/.condarc"],
        [comment_out("python3-path-root-.condarc-condarc", {"/root/.condarc": [3]}, CONDA_NOTE),
         APPEND])]
    assert evidence(doctor, fake_root, "condarc_edits", "condarc_append", "condarc_line") == [
        {"condarc_edits": ("/root/.condarc:3",), "condarc_append": "/root/.condarc",
         "condarc_line": "auto_activate_base: false"}]


def test_conda_block_without_condarc_gets_one(fake_root, doctor):
    debian_shells(fake_root)
    conda(fake_root)
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + CONDA_BLOCK)
    assert doctor(fake_root) == [finding(
        "/root/.condarc", SHELLS,
        "/root/.bashrc (line 8) runs conda's initialize block, and /root/.condarc does not turn "
        "auto_activate_base off, so conda's base environment and its python3 "
        "(/opt/conda/bin/python3) come first",
        ["/root/.condarc"], [APPEND])]


def test_conda_with_auto_activate_base_false_is_fine(fake_root, doctor):
    debian_shells(fake_root)
    conda(fake_root)
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + CONDA_BLOCK)
    fake_root.write("/root/.condarc", "auto_activate_base: false\n")
    assert doctor(fake_root) == []


def test_conda_installations_own_condarc_decides_when_roots_says_nothing(fake_root, doctor):
    debian_shells(fake_root)
    conda(fake_root)
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + CONDA_BLOCK)
    fake_root.write("/opt/conda/.condarc", "auto_activate_base: false\n")
    assert doctor(fake_root) == []


def test_an_explicit_conda_activate_puts_its_environment_first(fake_root, doctor):
    """The miniconda images and many guides: `conda activate base` after the initialize block
    (or after sourcing conda.sh), whatever auto_activate_base says."""
    debian_shells(fake_root)
    conda(fake_root)
    fake_root.write("/opt/conda/.condarc", "auto_activate_base: false\n")
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + CONDA_BLOCK + "conda activate base\n")
    assert doctor(fake_root) == [finding(
        "/opt/conda/bin/python3", SHELLS,
        "/opt/conda/bin/python3 is found before Debian's /usr/bin/python3: /root/.bashrc line 18: "
        "conda activate base",
        ["/opt/conda/bin/python3", "/root/.bashrc"],
        [comment_out("python3-path-opt-conda-bin-python3", {"/root/.bashrc": [18]})])]


def test_conda_activate_of_a_named_environment_after_conda_sh(fake_root, doctor):
    debian_shells(fake_root)
    conda(fake_root)
    fake_root.write("/opt/conda/etc/profile.d/conda.sh", "conda() { :; }\n")
    fake_root.write("/opt/conda/envs/tools/bin/python3", b"\x7fELF")
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + ". /opt/conda/etc/profile.d/conda.sh\n"
                                                     "conda activate --stack tools\n")
    assert doctor(fake_root) == [finding(
        "/opt/conda/envs/tools/bin/python3", SHELLS,
        "/opt/conda/envs/tools/bin/python3 is found before Debian's /usr/bin/python3: /root/.bashrc "
        "line 9: conda activate --stack tools",
        ["/opt/conda/envs/tools/bin/python3", "/root/.bashrc"],
        [comment_out("python3-path-opt-conda-envs-tools-bin-python3", {"/root/.bashrc": [9]})])]
