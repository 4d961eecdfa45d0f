"""Start-up hooks, environment variables and pip settings on real roots: found, healed, proven.

startup-hook: a .pth in /usr/local that writes a marker file whenever Python starts, a
usercustomize that does the same, a sitecustomize in /usr/local (behind Debian's own), and
Debian's sitecustomize conffile edited. After pyguard's repairs `python3 -c pass` writes nothing.

env-guard-rails and pip-break-system-packages: PYTHONPATH in /etc/environment, sudo's env_keep,
break-system-packages in /etc/pip.conf and PIP_BREAK_SYSTEM_PACKAGES in root's .bashrc. After the
repairs pip refuses again with externally-managed-environment, in a login shell too, and sudo no
longer hands PYTHONPATH to root's python3.
"""

from __future__ import annotations

from typing import List

import pytest

from . import realroot
from .realroot import assert_undo_restores, changed_files, doctor, heal, version_of

RELEASES = realroot.CATALOG_ROOTS
MOVE = ('mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf "$(mktemp '
        '--suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)" {path}')
MOVED = "move the hook aside (kept in /var/lib/pyguard/aside)"
KEEP = ('mkdir -p /var/lib/pyguard/aside && tar -C / -czf "$(mktemp --suffix=.tar.gz '
        '/var/lib/pyguard/aside/{label}.XXXXXX)" {path}')
KEPT = "keep a copy of the file (in /var/lib/pyguard/aside)"
EVERY = "runs it in every program, root's and Debian's own tools included"
RAN = "/var/tmp/pyguard-hook-ran"
REFUSES = "python3 -m pip install --no-index attrs 2>&1 | grep -q externally-managed-environment"



def hook(path: str, what: str, who: str, origin: str, line: str, repair: List[dict],
         paths: List[str], note: str = "") -> dict:
    return {
        "rule": "startup-hook",
        "severity": "error",
        "title": f"start-up hook {path} runs code in every Python process",
        "detail": f"{path} is {what}: {who}, before the program itself. {origin}{note} First line "
                  f"that runs: {line}",
        "subject": path,
        "paths": paths,
        "repair": repair,
    }


def move(label: str, path: str) -> dict:
    return {"command": MOVE.format(label=label, path=path.lstrip("/")), "note": MOVED}


@pytest.mark.parametrize("release", RELEASES)
def test_startup_hooks_are_moved_aside_and_stop_running(real_root, release: str) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = version_of(root)
    local = f"/usr/local/lib/python{v}/dist-packages"
    pth_line = f"import os; open('{RAN}', 'a').write('pth\\n')"
    user_line = f"open('{RAN}', 'a').write('usercustomize\\n')"
    root.write(f"{local}/pyguard-test.pth", f"# test hook\n/opt/nothing\n{pth_line}\n")
    root.write(f"{local}/sitecustomize.py", "import logging\n")
    root.write(f"{local}/usercustomize.py", f"# marks every start\n{user_line}\n")
    root.run(f"echo 'import os  # added' >> /etc/python{v}/sitecustomize.py")
    precedence = "/usr/lib/python3/dist-packages/distutils-precedence.pth"  # python3-setuptools
    edited = f"import os; open('{RAN}', 'a').write('setuptools\\n')"
    if release == "bookworm":  # trixie's python3-pip no longer pulls in setuptools
        root.run(f"printf '%s\\n' \"{edited}\" > {precedence}")
    root.run("python3 -c pass")
    assert root.host(RAN).read_text() == (  # the hooks really run
        "pth\nusercustomize\n" if release == "trixie" else "pth\nsetuptools\nusercustomize\n")

    code, envelope = doctor(root)
    assert code == 2
    stdlib_link = f"/usr/lib/python{v}/sitecustomize.py"
    conffile = f"/etc/python{v}/sitecustomize.py"
    setuptools = [hook(
        precedence, "a .pth file with a line that site.py executes",
        f"every Debian Python 3 {EVERY}",
        "python3-setuptools ships it, but its contents differ from what python3-setuptools "
        "shipped.", edited,
        [move("startup-hook-distutils-precedence.pth", precedence),
         {"command": "apt-get install --reinstall -y python3-setuptools",
          "note": "restore the file as the package shipped it"}],
        [precedence])] if release == "bookworm" else []
    expected = [
        hook(stdlib_link, "a sitecustomize module", f"Python {v} {EVERY}",
             f"libpython{v}-minimal ships it, but {conffile}, which it leads to, differs from "
             f"the configuration file libpython{v}-minimal shipped.", "try:",
             [move("startup-hook-sitecustomize.py", conffile),
              {"command": "apt-get install --reinstall -y -o Dpkg::Options::=--force-confmiss "
                          f"libpython{v}-minimal",
               "note": "restore the configuration file as shipped (dpkg keeps a changed one, so "
                       "it was moved aside first)"}],
             [stdlib_link, conffile]),
    ] + setuptools + [  # findings of one rule come sorted by subject
        hook(f"{local}/pyguard-test.pth", "a .pth file with a line that site.py executes",
             f"Python {v} {EVERY}", "No Debian package ships it.", pth_line,
             [move("startup-hook-pyguard-test.pth", f"{local}/pyguard-test.pth")],
             [f"{local}/pyguard-test.pth"]),
        hook(f"{local}/sitecustomize.py", "a sitecustomize module", f"Python {v} {EVERY}",
             "No Debian package ships it.", "import logging",
             [move("startup-hook-sitecustomize.py", f"{local}/sitecustomize.py")],
             [f"{local}/sitecustomize.py"],
             note=f" Today {stdlib_link} comes first on sys.path and is imported instead; this "
                  "one takes over as soon as that one is gone."),
        hook(f"{local}/usercustomize.py", "a usercustomize module",
             f"Python {v} runs it in every program whose user site is enabled, root's and "
             "Debian's own tools included", "No Debian package ships it.", user_line,
             [move("startup-hook-usercustomize.py", f"{local}/usercustomize.py")],
             [f"{local}/usercustomize.py"]),
    ]
    assert envelope["findings"] == expected

    before = changed_files(root)
    heal(root, envelope)
    code, after = doctor(root)
    assert (code, after["findings"], after["errors"]) == (0, [], [])
    root.run(f"rm -f {RAN} && python3 -c pass && test ! -e {RAN}")
    packages = f"libpython{v}-minimal" + (" python3-setuptools" if release == "bookworm" else "")
    assert realroot.dpkg_verify(root, packages) == ""
    listed = root.run("for a in /var/lib/pyguard/aside/startup-hook-*; do tar -tzf $a; done").stdout
    assert sorted(listed.split()) == sorted([conffile.lstrip("/")] + [
        f"{local.lstrip('/')}/{name}" for name in ("pyguard-test.pth", "sitecustomize.py",
                                                    "usercustomize.py")]
        + ([precedence.lstrip("/")] if release == "bookworm" else []))
    assert_undo_restores(root, before)


def env_finding(rule: str, severity: str, path: str, variable: str, how: str, line: int,
                text: str, effect: str, reach: str, label: str) -> dict:
    return {
        "rule": rule,
        "severity": severity,
        "title": f"{variable} {how} in {path}",
        "detail": f"{path}, line {line}: {text}. {effect} {reach}",
        "subject": path,
        "paths": [path],
        "repair": [{"command": KEEP.format(label=label, path=path.lstrip("/"))
                    + f" && sed -i '{line}s/^/# disabled by pyguard: /' {path}",
                    "note": f"{KEPT}, then comment out line {line}"}],
    }


PYTHONPATH = ("PYTHONPATH puts its directories before the standard library and Debian's packages "
              "on sys.path, so Debian's own tools import modules from there.")
IGNORES = ("makes pip ignore the PEP 668 marker: \"sudo pip install\" writes into the system "
           "interpreter without a word, over the packages Debian manages.")
SUDO = "With env_keep, sudo hands the calling user's value on to every command it runs as root."
PAM = ("pam_env puts it into every login session (console, ssh, su -, sudo -i), root's included, "
       "and from there into every program started in it.")


@pytest.mark.parametrize("release", RELEASES)
def test_variables_and_pip_config_that_defeat_the_guard_rails_are_commented_out(
        real_root, release: str) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    root.run("apt-get install -y --no-install-recommends sudo >/dev/null 2>&1")
    root.write("/etc/environment", 'PYTHONPATH="/opt/evil"\n')
    root.write("/etc/pip.conf", "[global]\nbreak-system-packages = true\n")
    bashrc = root.host("/root/.bashrc").read_text()
    bashrc_line = bashrc.count("\n") + 1
    root.write("/root/.bashrc", bashrc + "export PIP_BREAK_SYSTEM_PACKAGES=1\n")
    root.write("/etc/sudoers.d/x", 'Defaults env_keep += "PYTHONPATH"\n', mode=0o440)
    pam_env = "set -a; . /etc/environment; set +a; python3 -c 'import sys; print(sys.path)'"
    sudo = "PYTHONPATH=/opt/evil sudo python3 -c 'import sys; print(sys.path)' 2>/dev/null"
    # broken as users break it: pip no longer refuses, PYTHONPATH reaches root's python3
    unguarded = root.run("python3 -m pip install --no-index attrs 2>&1", check=False).stdout
    assert "externally-managed" not in unguarded and "No matching distribution" in unguarded
    assert "/opt/evil" in root.run(pam_env).stdout
    assert "/opt/evil" in root.run(sudo).stdout

    code, envelope = doctor(root)
    assert code == 2
    assert envelope["findings"] == [
        env_finding("env-guard-rails", "error", "/etc/environment", "PYTHONPATH",
                    "set for every login session", 1, 'PYTHONPATH="/opt/evil"', PYTHONPATH, PAM,
                    "etc-environment"),
        env_finding("env-guard-rails", "error", "/etc/sudoers.d/x", "PYTHONPATH",
                    "let through sudo", 1, 'Defaults env_keep += "PYTHONPATH"', PYTHONPATH, SUDO,
                    "etc-sudoers.d-x"),
        env_finding("pip-break-system-packages", "warning", "/etc/pip.conf",
                    "break-system-packages", "turned on", 2, "break-system-packages = true",
                    f"break-system-packages {IGNORES}", "pip reads this file whenever root runs it.",
                    "etc-pip.conf"),
        env_finding("pip-break-system-packages", "warning", "/root/.bashrc",
                    "PIP_BREAK_SYSTEM_PACKAGES", "set for root's shells", bashrc_line,
                    "export PIP_BREAK_SYSTEM_PACKAGES=1", f"PIP_BREAK_SYSTEM_PACKAGES {IGNORES}",
                    "root's shells read this file and pass it on to every program root starts "
                    "from them.", "root-.bashrc"),
    ]

    before = changed_files(root)
    heal(root, envelope)
    code, after = doctor(root)
    assert (code, after["findings"], after["errors"]) == (0, [], [])
    root.run(REFUSES)
    root.run(f"bash -lc '{REFUSES}'")  # a login shell reads .profile, which reads .bashrc
    assert "/opt/evil" not in root.run(pam_env).stdout
    assert "/opt/evil" not in root.run(sudo).stdout
    assert root.run("stat -c %a /etc/sudoers.d/x").stdout.strip() == "440"
    assert root.run("tail -n 1 /root/.bashrc").stdout == \
        "# disabled by pyguard: export PIP_BREAK_SYSTEM_PACKAGES=1\n"
    # every edited file was kept first, as it was
    kept = root.run("for a in /var/lib/pyguard/aside/*; do tar -tzf $a; done").stdout.split()
    assert sorted(kept) == ["etc/environment", "etc/pip.conf", "etc/sudoers.d/x", "root/.bashrc"]
    original = root.run("tar -xzOf /var/lib/pyguard/aside/root-.bashrc.*").stdout
    assert original.endswith("export PIP_BREAK_SYSTEM_PACKAGES=1\n")
    assert_undo_restores(root, before)
