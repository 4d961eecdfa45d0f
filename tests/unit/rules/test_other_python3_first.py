"""other-python3-first: a python3 ahead of Debian's in root's PATH or sudo's, pyenv, conda."""

from fakeroot_dpkg_pip_path import DEBIAN_BASHRC, login_defs, root_sudoers

TAIL = (" Scripts that start with \"#!/usr/bin/env python3\", and every \"python3\" typed as root "
        "or run through sudo, then get that interpreter instead of Debian's, without the modules "
        "Debian's packages installed for it.")
DEBIAN_SECURE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
KEEP_NOTE = "keep a copy of the file edited next"
CONDA = ("/opt/conda/bin/conda", "/opt/conda/etc/profile.d/conda.sh")


def aside(label, *paths, remove=True):
    flags = "--remove-files -czf" if remove else "-czf"
    return (f"mkdir -p /var/lib/pyguard/aside && tar -C / {flags} \"$(mktemp --suffix=.tar.gz "
            f"/var/lib/pyguard/aside/{label}.XXXXXX)\" " + " ".join(p.lstrip("/") for p in paths))


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


def make_install(root, prefix="/usr/local"):
    root.write(f"{prefix}/bin/python3.12", b"\x7fELF")
    root.symlink(f"{prefix}/bin/python3", "python3.12")
    root.write(f"{prefix}/lib/python3.12/os.py", "")


def test_healthy_root_has_no_findings(fake_root, doctor):
    login_defs(fake_root)
    root_sudoers(fake_root, DEBIAN_SECURE_PATH)
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC)
    assert doctor(fake_root) == []


def test_make_install_python3_in_usr_local_bin(fake_root, doctor):
    login_defs(fake_root)
    root_sudoers(fake_root, DEBIAN_SECURE_PATH)
    make_install(fake_root)
    assert doctor(fake_root) == [finding(
        "/usr/local/bin/python3", "root's PATH, sudo's secure_path",
        "/usr/local/bin/python3 is found before Debian's /usr/bin/python3", ["/usr/local/bin/python3"],
        [(aside("python3-path-usr-local-bin-python3", "/usr/local/bin/python3"),
          "move the python3 aside (kept in /var/lib/pyguard/aside)")])]


def test_make_altinstall_leaves_python3_alone(fake_root, doctor):
    fake_root.write("/usr/local/bin/python3.12", b"\x7fELF")
    fake_root.write("/usr/local/lib/python3.12/os.py", "")
    assert doctor(fake_root) == []


def test_usr_local_python3_that_is_a_link_to_debians_is_harmless(fake_root, doctor):
    fake_root.symlink("/usr/local/bin/python3", "/usr/bin/python3.11")
    assert doctor(fake_root) == []


def test_python3_in_usr_local_sbin_counts_too(fake_root, doctor):
    fake_root.write("/usr/local/sbin/python3", b"#!/bin/sh\nexec /opt/py/bin/python3 \"$@\"\n")
    assert doctor(fake_root) == [finding(
        "/usr/local/sbin/python3", "root's PATH",
        "/usr/local/sbin/python3 is found before Debian's /usr/bin/python3", ["/usr/local/sbin/python3"],
        [(aside("python3-path-usr-local-sbin-python3", "/usr/local/sbin/python3"),
          "move the python3 aside (kept in /var/lib/pyguard/aside)")])]


def test_secure_path_with_a_directory_of_its_own_is_reported_not_edited(fake_root, doctor):
    root_sudoers(fake_root, "/opt/py/bin:" + DEBIAN_SECURE_PATH)
    make_install(fake_root, "/opt/py")
    assert doctor(fake_root) == [finding(
        "/opt/py/bin/python3", "sudo's secure_path",
        "/opt/py/bin/python3 is found before Debian's /usr/bin/python3", ["/opt/py/bin/python3"], [])]


def test_sudoers_d_files_with_a_dot_are_skipped_as_sudo_skips_them(fake_root, doctor):
    root_sudoers(fake_root, DEBIAN_SECURE_PATH)
    fake_root.write("/etc/sudoers.d/README", "# sudo reads this one: no dot in its name\n")
    fake_root.write("/etc/sudoers.d/py.disabled", 'Defaults secure_path="/opt/py/bin:/usr/bin"\n')
    make_install(fake_root, "/opt/py")
    assert doctor(fake_root) == []


def test_a_later_sudoers_d_file_sets_secure_path(fake_root, doctor):
    root_sudoers(fake_root, DEBIAN_SECURE_PATH)
    fake_root.write("/etc/sudoers.d/python", 'Defaults secure_path="/opt/py/bin:/usr/sbin:/usr/bin"\n')
    make_install(fake_root, "/opt/py")
    assert doctor(fake_root) == [finding(
        "/opt/py/bin/python3", "sudo's secure_path",
        "/opt/py/bin/python3 is found before Debian's /usr/bin/python3", ["/opt/py/bin/python3"], [])]


def test_path_line_in_roots_bashrc_is_commented_out(fake_root, doctor):
    make_install(fake_root, "/opt/python-3.12")
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + 'export PATH="/opt/python-3.12/bin:$PATH"\n')
    assert doctor(fake_root) == [finding(
        "/root/.bashrc", "root's PATH",
        "/root/.bashrc puts another directory first: line 8: export PATH=\"/opt/python-3.12/bin:$PATH\"",
        ["/root/.bashrc"],
        [(aside("python3-path-root-.bashrc", "/root/.bashrc", remove=False), KEEP_NOTE),
         ("sed -i '8s/^/# disabled by pyguard: /' /root/.bashrc", "comment out the lines")])]


def test_appended_directory_does_not_matter(fake_root, doctor):
    make_install(fake_root, "/opt/python-3.12")
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + 'PATH="$PATH:/opt/python-3.12/bin"\n')
    assert doctor(fake_root) == []


PYENV = ('export PYENV_ROOT="$HOME/.pyenv"\n'
         'export PATH="$HOME/.pyenv/shims:$PATH"\n'
         'eval "$(pyenv init -)"\n')


def test_pyenv_init_with_a_global_version_is_commented_out(fake_root, doctor):
    fake_root.write("/root/.profile", DEBIAN_BASHRC + PYENV)
    fake_root.write("/root/.pyenv/version", "3.12.1\n")
    fake_root.write("/root/.pyenv/shims/python3", "#!/usr/bin/env bash\nexec pyenv exec python3 \"$@\"\n")
    assert doctor(fake_root) == [finding(
        "/root/.profile", "root's PATH",
        "pyenv's shims come first (its global version is 3.12.1): line 9: export "
        "PATH=\"$HOME/.pyenv/shims:$PATH\"; line 10: eval \"$(pyenv init -)\"",
        ["/root/.profile"],
        [(aside("python3-path-root-.profile", "/root/.profile", remove=False), KEEP_NOTE),
         ("sed -i '9s/^/# disabled by pyguard: /;10s/^/# disabled by pyguard: /' /root/.profile",
          "comment out the lines")])]


def test_pyenv_on_system_python_is_left_alone(fake_root, doctor):
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + 'eval "$(pyenv init -)"\n')
    assert doctor(fake_root) == []


CONDA_BLOCK = """\
# >>> conda initialize >>>
# !! Contents within this block are managed by 'conda init' !!
__conda_setup="$('/opt/conda/bin/conda' 'shell.bash' 'hook' 2> /dev/null)"
if [ $? -eq 0 ]; then
    eval "$__conda_setup"
else
    export PATH="/opt/conda/bin:$PATH"
fi
unset __conda_setup
# <<< conda initialize <<<
"""


def test_conda_block_with_auto_activate_base_true(fake_root, doctor):
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + CONDA_BLOCK)
    fake_root.write("/root/.condarc", "channels:\n  - defaults\nauto_activate_base: true\n")
    assert doctor(fake_root) == [finding(
        "/root/.condarc", "root's PATH",
        "/root/.bashrc (line 8) runs conda's initialize block, and /root/.condarc says "
        "auto_activate_base: true, so conda's base environment and its python3 come first",
        ["/root/.condarc"],
        [(aside("python3-path-root-.condarc", "/root/.condarc", remove=False), KEEP_NOTE),
         ("sed -i 's/^\\([ \\t]*auto_activate_base[ \\t]*:[ \\t]*\\).*/\\1false/' /root/.condarc",
          "conda: do not activate the base environment")])]


def test_conda_block_without_condarc_gets_one(fake_root, doctor):
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + CONDA_BLOCK)
    assert doctor(fake_root) == [finding(
        "/root/.condarc", "root's PATH",
        "/root/.bashrc (line 8) runs conda's initialize block, and /root/.condarc does not turn "
        "auto_activate_base off, so conda's base environment and its python3 come first",
        ["/root/.condarc"],
        [("printf 'auto_activate_base: false\\n' >> /root/.condarc",
          "conda: do not activate the base environment")])]


def test_conda_with_auto_activate_base_false_is_fine(fake_root, doctor):
    fake_root.write("/root/.bashrc", DEBIAN_BASHRC + CONDA_BLOCK)
    fake_root.write("/root/.condarc", "auto_activate_base: false\n")
    assert doctor(fake_root) == []
