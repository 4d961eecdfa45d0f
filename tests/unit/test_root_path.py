"""Root's PATH read from shell start-up files without running them (facts.root_path)."""

import pytest

from pyguard.facts import Facts
from pyguard.facts.root_path import PathEntry, ShellLine, ShellPath, gather_root_shell
from pyguard.facts.shell_syntax import AndOr, Case, For, If, Opaque, Simple, parse
from pyguard.rootfs import RootFS

DEBIAN = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def contexts(root):
    """Each context's PATH as directories, and the (file, line, kind) behind each one."""
    shell = gather_root_shell(Facts(RootFS(str(root))))
    return {c.context: [(e.directory, [(l.file, l.number, l.kind) for l in e.lines])
                        for e in c.entries] for c in shell.contexts}


def test_the_parser_keeps_branches_functions_and_lines_apart():
    nodes = parse('if [ -d "$HOME/bin" ] ; then\n  PATH="$HOME/bin:$PATH"\nfi\n'
                  "f() {\n  return 1\n}\n"
                  "case $- in *i*) ;; *) return;; esac\n"
                  "for i in /etc/profile.d/*.sh; do . $i; done\n"
                  "[ -x /bin/x ] && \\\n  export PATH=/x:$PATH\n"
                  "cat <<EOF\nPATH=/not/a/command\nEOF\n")
    condition = (Simple(("[", "-d", '"$HOME/bin"', "]"), (1, 1)),)
    body = (Simple(('PATH="$HOME/bin:$PATH"',), (2, 2)),)
    assert nodes == (
        If(((condition, body),), None, (1, 3)),
        Opaque((4, 6)),
        Case("$-", ((("*i*",), ()), (("*",), (Simple(("return",), (7, 7)),))), (7, 7)),
        For("i", ("/etc/profile.d/*.sh",), (Simple((".", "$i"), (8, 8)),), (8, 8)),
        AndOr((Simple(("[", "-x", "/bin/x", "]"), (9, 9)),
               Simple(("export", "PATH=/x:$PATH"), (10, 10))), ("&&",), (9, 10)),
        Simple(("cat",), (11, 11)),  # the here-document is no command
    )


@pytest.mark.parametrize("text", [
    "if then fi", "fi\ndone\n}", "'unclosed\nPATH=/x", '"$(', "${", "case", "for", "f() ",
    "((1+", ")))", "<<", "a |", "&& ||", "\\", "\x00\x01\xff", "[[ -d x ", "function",
    "PATH=/x:$PATH; eval", "eval \"$(pyenv init -", "export PATH=${PATH:+:${PATH}",
])
def test_no_text_makes_the_reader_fail(fake_root, text):
    fake_root.write("/root/.bashrc", text)
    fake_root.write("/root/.profile", ". ~/.bashrc\n" + text)
    assert set(contexts(fake_root)) == {"root's login shell", "root's interactive shell"}


def test_a_file_that_sources_itself_is_read_once(fake_root):
    fake_root.write("/root/.bashrc", ". /root/.bashrc\nexport PATH=/opt/a/bin:$PATH\n")
    line = ("/root/.bashrc", 2, "shell")
    assert contexts(fake_root)["root's interactive shell"] == (
        [("/opt/a/bin", [line])] + [(d, []) for d in DEBIAN])


def test_return_ends_only_the_file_it_is_in_and_functions_do_not_run(fake_root):
    fake_root.write("/etc/bash.bashrc", "f() { return; }\nf\nexport PATH=/opt/a/bin:$PATH\n"
                                        '[ -z "$PS1" ] && return\nexport PATH=/opt/b/bin:$PATH\n'
                                        "return\nexport PATH=/opt/c/bin:$PATH\n")
    fake_root.write("/root/.bashrc", "export PATH=/opt/d/bin:$PATH\nexit\nPATH=/opt/e/bin:$PATH\n")
    assert [d for d, _ in contexts(fake_root)["root's interactive shell"]] == [
        "/opt/d/bin", "/opt/b/bin", "/opt/a/bin", *DEBIAN]


def test_variables_defaults_tilde_and_conditions_are_followed(fake_root):
    fake_root.mkdir("/srv/tools/bin")
    fake_root.write("/root/.bashrc",
                    'TOOLS=${TOOLS_HOME:-/srv/tools}\n'
                    'if [ -d "$TOOLS/bin" ] && [ "$(id -u)" -eq 0 ]; then PATH="$TOOLS/bin:$PATH"; fi\n'
                    '[ -d /srv/missing ] && PATH=/srv/missing:$PATH\n'
                    'PATH=~/bin:$PATH\n'
                    'PATH="$(some-command):$PATH"\n'
                    'case ":$PATH:" in *:/srv/tools/bin:*) ;; *) PATH=/srv/again:$PATH;; esac\n'
                    'PATH+=:/srv/last\n')
    assert contexts(fake_root)["root's interactive shell"] == (
        [("/root/bin", [("/root/.bashrc", 4, "shell")]),
         ("/srv/tools/bin", [("/root/.bashrc", 2, "shell")])]
        + [(d, []) for d in DEBIAN] + [("/srv/last", [])])


def test_login_defs_environment_sudoers_and_crontabs(fake_root):
    fake_root.write("/etc/login.defs", "ENV_SUPATH\tPATH=/opt/su/bin:/usr/bin:/bin\n")
    fake_root.write("/etc/sudoers", 'Defaults secure_path="/opt/sudo/bin:/usr/bin"\n'
                                    "@include sudoers.extra\n")
    fake_root.write("/etc/sudoers.extra", "Defaults:alice env_keep += HOME\n")
    fake_root.write("/etc/cron.d/job", "PATH=/opt/job/bin:/usr/bin\n* * * * * root x\n")
    fake_root.write("/etc/cron.d/no.dots", "PATH=/opt/dots/bin:/usr/bin\n* * * * * root x\n")
    supath = ShellLine("/etc/login.defs", 1, "ENV_SUPATH\tPATH=/opt/su/bin:/usr/bin:/bin",
                       "login-defs", (1, 1))
    sudoers = ShellLine("/etc/sudoers", 1, 'Defaults secure_path="/opt/sudo/bin:/usr/bin"',
                        "sudoers", (1, 1))
    cron = ShellLine("/etc/cron.d/job", 1, "PATH=/opt/job/bin:/usr/bin", "crontab", (1, 1))
    shell = gather_root_shell(Facts(RootFS(str(fake_root))))
    su = (PathEntry("/opt/su/bin", (supath,)), PathEntry("/usr/bin", ()), PathEntry("/bin", ()))
    assert shell.contexts == (
        ShellPath("root's login shell", su),
        ShellPath("root's interactive shell", su),
        ShellPath("sudo -i", (PathEntry("/opt/sudo/bin", (sudoers,)), PathEntry("/usr/bin", ()))),
        ShellPath("sudo", (PathEntry("/opt/sudo/bin", (sudoers,)), PathEntry("/usr/bin", ()))),
        ShellPath("cron (/etc/cron.d/job)", (PathEntry("/opt/job/bin", (cron,)),
                                             PathEntry("/usr/bin", ()))),
    )


def test_a_file_nested_too_deep_is_read_as_empty(fake_root):
    fake_root.write("/root/.bashrc", "if true; then\n" * 3000 + "PATH=/opt/a/bin:$PATH\n" + "fi\n" * 3000)
    assert contexts(fake_root)["root's interactive shell"] == [(d, []) for d in DEBIAN]
