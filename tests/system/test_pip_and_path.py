"""Root's pip commands and root's python3 on real roots: broken, found, and healed.

Each test breaks a fresh overlay the way it happens to users, asserts pyguard's whole finding
list, runs pyguard's repairs in order inside the root, and checks that root's shell is right again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import realroot
from .realroot import assert_healed, doctor, version_of

RELEASES = realroot.CATALOG_ROOTS
ASIDE = ('mkdir -p /var/lib/pyguard/aside && tar -C / {flags} "$(mktemp --suffix=.tar.gz '
         '/var/lib/pyguard/aside/{label}.XXXXXX)" {paths}')
PATH_TAIL = (" Scripts that start with \"#!/usr/bin/env python3\", and every \"python3\" typed as "
             "root or run through sudo, then get that interpreter instead of Debian's, without the "
             "modules Debian's packages installed for it.")


def aside(label: str, *paths: str, remove: bool = True) -> str:
    return ASIDE.format(flags="--remove-files -czf" if remove else "-czf", label=label,
                        paths=" ".join(p.lstrip("/") for p in paths))




def pip_finding(directory: str, problems: str, paths: list, repair: list) -> dict:
    return {
        "rule": "broken-pip-command",
        "severity": "error",
        "title": f"pip commands in {directory} fail to start",
        "detail": f"Running them as root fails: {problems}.",
        "subject": directory,
        "paths": paths,
        "repair": repair,
    }


@pytest.mark.parametrize("release", RELEASES)
def test_pip_scripts_left_by_a_removed_source_build_are_moved_aside(real_root, release) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    # `make install` of Python 3.12 wrote pip3 and pip3.12 (ensurepip's scripts, shebang the
    # build's interpreter); the build was later removed by hand, the scripts stayed.
    root.run("for n in pip3 pip3.12; do sed '1s|.*|#!/usr/local/bin/python3.12|' /usr/bin/pip3 "
             "> /usr/local/bin/$n && chmod 755 /usr/local/bin/$n; done")
    broken = root.run("bash -c 'pip3 --version'", check=False)
    assert (broken.returncode, broken.stderr) == (  # bash 5.2's words for "bad interpreter"
        127, "bash: line 1: /usr/local/bin/pip3: cannot execute: required file not found\n")
    code, envelope = doctor(root)
    assert code == 2
    gone = "its interpreter /usr/local/bin/python3.12 does not exist"
    assert envelope["findings"] == [pip_finding(
        "/usr/local/bin", f"pip3: {gone}, pip3.12: {gone}",
        ["/usr/local/bin/pip3", "/usr/local/bin/pip3.12"],
        [{"command": aside("pip-commands-usr-local-bin", "/usr/local/bin/pip3", "/usr/local/bin/pip3.12"),
          "note": "move the broken scripts aside (kept in /var/lib/pyguard/aside)"}])]
    assert_healed(root, envelope, "bash -c 'pip3 --version' | grep -q /usr/lib/python3/dist-packages/pip")


@pytest.mark.parametrize("release", RELEASES)
def test_pypis_pip_installed_over_debians_is_moved_aside(real_root, release) -> None:
    """`sudo pip install --upgrade pip` (CORPUS 14; trixie's pip is newer than the pinned one,
    so there `--ignore-installed`, CORPUS 15): Debian's patched pip leaves its own alone and
    puts PyPI's in /usr/local, whose pip scripts come first on root's PATH."""
    root = real_root(release)
    v = version_of(root)
    wheels = realroot.download_wheels(v, ("pip==25.0.1",),
                                      Path(realroot.DEFAULT_WHEELS_DIR) / "pipx")
    realroot.copy_wheels(root, wheels, "/opt/wheels")
    how = "--upgrade pip" if root.release == "bookworm" else "--ignore-installed pip==25.0.1"
    root.run("python3 -m pip install -q --break-system-packages --no-index --find-links "
             f"/opt/wheels {how}")
    assert root.run("bash -c 'pip3 --version'").stdout.startswith(
        f"pip 25.0.1 from /usr/local/lib/python{v}/dist-packages/pip ")
    code, envelope = doctor(root)
    site = f"/usr/local/lib/python{v}/dist-packages"
    moved = [f"{site}/pip-25.0.1.dist-info", f"{site}/pip", "/usr/local/bin/pip",
             "/usr/local/bin/pip3", f"/usr/local/bin/pip{v}"]
    assert (code, envelope["findings"]) == (2, [{
        "rule": "shadowed-debian-module",
        "severity": "error",
        "title": f"pip 25.0.1 in {site} hides Debian's pip",
        "detail": f"{site} comes before /usr/lib/python3/dist-packages on sys.path, so every "
                  "Python program run as root, Debian's tools included, imports pip from pip "
                  "25.0.1 there instead of the version python3-pip was built and tested with.",
        "subject": f"{site}:pip",
        "paths": moved,
        "repair": [{"command": aside("pip-25.0.1", *moved),
                    "note": "move the shadowing copy aside (kept in /var/lib/pyguard/aside)"}],
    }])
    assert_healed(root, envelope,
                  "bash -c 'pip3 --version' | grep -q ' /usr/lib/python3/dist-packages/pip '",
                  "test ! -e /usr/local/bin/pip3")


@pytest.mark.parametrize("release", RELEASES)
def test_debian_pip_removed_by_hand_is_reinstalled(real_root, release) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = version_of(root)
    root.run("rm -rf /usr/lib/python3/dist-packages/pip")
    broken = root.run("pip3 --version", check=False)
    assert "No module named 'pip'" in broken.stderr, broken
    code, envelope = doctor(root)
    assert code == 2
    names = ["pip", "pip3"] + ([f"pip{v}"] if release == "bookworm" else [])
    # modified-debian-file reports the same deletion from dpkg's md5sums, same reinstall
    sums = root.host("/var/lib/dpkg/info/python3-pip.md5sums").read_text().splitlines()
    missing = ["/" + line.split("  ", 1)[1] for line in sums
               if "/usr/lib/python3/dist-packages/pip/".lstrip("/") in line]
    assert envelope["findings"] == [
        pip_finding(
            "/usr/bin", ", ".join(f"{n}: No module named 'pip'" for n in names),
            [f"/usr/bin/{n}" for n in names],
            [{"command": "apt-get install --reinstall -y python3-pip",
              "note": "restore Debian's pip as shipped"}]),
        {
            "rule": "modified-debian-file",
            "severity": "error",
            "title": "files of python3-pip are not as Debian shipped them",
            "detail": f"Missing: {', '.join(missing[:5])} and {len(missing) - 5} more. dpkg recorded "
                      "the md5 of every file python3-pip installed; these no longer match. Python "
                      "programs run as root, Debian's own tools among them, import whatever is on "
                      "disk now: a missing module breaks them, an edited one runs code Debian "
                      "never shipped. Certificate files decide which servers TLS connections "
                      "trust: a missing one makes those connections fail, an edited one makes "
                      "them trust certificates Debian never shipped. Data files are read as they "
                      "are now: a missing one breaks what needs it, an edited one changes what "
                      "the programs that read it get.",
            "subject": "python3-pip",
            "paths": missing,
            "repair": [{"command": "apt-get install --reinstall -y python3-pip",
                        "note": "restore the package's files as shipped"}],
        },
    ]
    assert_healed(root, envelope, "pip3 --version | grep -q /usr/lib/python3/dist-packages/pip")


def path_finding(subject: str, contexts: str, cause: str, paths: list, repair: list) -> dict:
    return {
        "rule": "other-python3-first",
        "severity": "warning",
        "title": f"another python3 comes before Debian's in {contexts}",
        "detail": cause + "." + PATH_TAIL,
        "subject": subject,
        "paths": paths,
        "repair": repair,
    }


# How root gets a shell, each run with an empty environment inside the root (this host's own
# pyenv must not leak in): a console or ssh login, sudo -i, bash -l scripts, a terminal's or su's
# shell. Each prints the python3 it would run.
SHELL_PROBES = {
    "login": "env -i HOME=/root TERM=dumb /bin/bash -lic 'command -v python3' 2>/dev/null",
    "bash -l": "env -i HOME=/root /bin/bash -lc 'command -v python3'",
    "interactive": "env -i HOME=/root TERM=dumb /bin/bash -ic 'command -v python3' 2>/dev/null",
}


def python3_of_shells(root) -> dict:
    return {name: root.run(probe).stdout.strip() for name, probe in SHELL_PROBES.items()}


def debian_python3_everywhere() -> list:
    """Probes for assert_healed: every kind of shell finds Debian's python3."""
    return [f'test "$({probe})" = /usr/bin/python3' for probe in SHELL_PROBES.values()]


@pytest.mark.parametrize("release", RELEASES)
def test_make_install_python3_in_usr_local_bin_is_moved_aside(real_root, release) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    # what `make install` leaves (a stand-in build: Debian's binary beside a stdlib of its own);
    # `make altinstall` would have left python3.12 alone
    root.run("mkdir -p /usr/local/lib/python3.12 && touch /usr/local/lib/python3.12/os.py && "
             "cp /usr/bin/python3 /usr/local/bin/python3.12 && ln -s python3.12 /usr/local/bin/python3")
    # sudo's stock /etc/sudoers line
    root.write("/etc/sudoers", 'Defaults\tsecure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:'
                               '/usr/bin:/sbin:/bin"\nroot\tALL=(ALL:ALL) ALL\n', mode=0o440)
    assert python3_of_shells(root) == dict.fromkeys(SHELL_PROBES, "/usr/local/bin/python3")
    code, envelope = doctor(root)
    assert code == 1
    assert envelope["findings"] == [path_finding(
        "/usr/local/bin/python3",
        "root's login shell, root's interactive shell, sudo -i, sudo",
        "/usr/local/bin/python3 is found before Debian's /usr/bin/python3",
        ["/usr/local/bin/python3"],
        [{"command": aside("python3-path-usr-local-bin-python3", "/usr/local/bin/python3"),
          "note": "move the python3 aside (kept in /var/lib/pyguard/aside)"}])]
    assert_healed(root, envelope, *debian_python3_everywhere(), "test -x /usr/local/bin/python3.12")


# pyenv's installer leaves pyenv in ~/.pyenv; here a stand-in: its shims/python3 and bin/pyenv are
# shell scripts that only ever run inside the root (never on this host, whose own pyenv they are
# not). `pyenv init -` prints what the real one prints about PATH.
FAKE_SHIM = "#!/bin/sh\necho 'pyenv shim: not run in these tests' >&2\nexit 97\n"
FAKE_PYENV = """\
#!/bin/sh
if [ "$1" = init ] && [ "$2" = - ]; then
  echo 'export PATH="/root/.pyenv/shims:${PATH}"'
fi
"""
PYENV_ROOT_LINE = 'export PYENV_ROOT="$HOME/.pyenv"'
PYENV_PATH_LINE = 'export PATH="$PYENV_ROOT/shims:$PYENV_ROOT/bin:$PATH"'
PYENV_INIT_LINE = 'eval "$(pyenv init -)"'
SHIM = "/root/.pyenv/shims/python3"
EDIT_NOTE = "keep a copy of each file (in /var/lib/pyguard/aside), then comment out the lines"
# What each way of setting pyenv up gives: (lines added to .profile, to .bashrc), the contexts
# doctor names, and the shells (of SHELL_PROBES) that run pyenv's shim.
PYENV_SETUPS = {
    "path line in .profile only": (
        [PYENV_ROOT_LINE, PYENV_PATH_LINE], [], "root's login shell", ["login", "bash -l"]),
    "path line in .bashrc only": (
        [], [PYENV_ROOT_LINE, PYENV_PATH_LINE], "root's login shell, root's interactive shell",
        ["login", "bash -l", "interactive"]),
    "path line in both": (
        [PYENV_ROOT_LINE, PYENV_PATH_LINE], [PYENV_ROOT_LINE, PYENV_PATH_LINE],
        "root's login shell, root's interactive shell", ["login", "bash -l", "interactive"]),
    "path line and pyenv init": (
        [], [PYENV_ROOT_LINE, PYENV_PATH_LINE, PYENV_INIT_LINE],
        "root's login shell, root's interactive shell", ["login", "bash -l", "interactive"]),
}


def comment_out(label: str, edits: dict) -> dict:
    keep = aside(label, *edits, remove=False)
    seds = [f"sed -i '{';'.join(f'{n}s/^/# disabled by pyguard: /' for n in lines)}' {path}"
            for path, lines in edits.items()]
    return {"command": " && ".join([keep] + seds), "note": EDIT_NOTE}


@pytest.mark.parametrize("setup", list(PYENV_SETUPS))
@pytest.mark.parametrize("release", RELEASES)
def test_pyenv_in_roots_shell_files_is_commented_out(real_root, release, setup) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    to_profile, to_bashrc, contexts, shim_shells = PYENV_SETUPS[setup]
    root.write("/root/.pyenv/shims/python3", FAKE_SHIM, mode=0o755)
    root.write("/root/.pyenv/bin/pyenv", FAKE_PYENV, mode=0o755)
    root.write("/root/.pyenv/version", "3.12.1\n")
    lines = {}  # file -> {line number: text} of the lines that put the shims first
    for path, added in (("/root/.bashrc", to_bashrc), ("/root/.profile", to_profile)):
        if not added:
            continue
        text = root.host(path).read_text()
        first = text.count("\n") + 1
        root.write(path, text + "".join(line + "\n" for line in added))
        lines[path] = {first + i: line for i, line in enumerate(added) if line != PYENV_ROOT_LINE}
    assert python3_of_shells(root) == {
        name: SHIM if name in shim_shells else "/usr/bin/python3" for name in SHELL_PROBES}
    code, envelope = doctor(root)
    assert code == 1
    assert envelope["findings"] == [path_finding(
        SHIM, contexts,
        f"{SHIM}, pyenv's shim (its global version is 3.12.1), is found before Debian's "
        "/usr/bin/python3: " + "; ".join(f"{path} line {n}: {text}" for path, numbered in lines.items()
                                         for n, text in numbered.items()),
        [SHIM, *lines],
        [comment_out("python3-path-root-.pyenv-shims-python3",
                     {path: list(numbered) for path, numbered in lines.items()})])]
    assert_healed(root, envelope, *debian_python3_everywhere(),
                  # PYENV_ROOT stays set: it changes no PATH by itself
                  *[f"grep -qx '{PYENV_ROOT_LINE}' {path}" for path in lines])


CONDA_BLOCK = """\
# >>> conda initialize >>>
# !! Contents within this block are managed by 'conda init' !!
__conda_setup="$('/opt/conda/bin/conda' 'shell.bash' 'hook' 2> /dev/null)"
if [ $? -eq 0 ]; then
    eval "$__conda_setup"
else
    if [ -f "/opt/conda/etc/profile.d/conda.sh" ]; then
        . "/opt/conda/etc/profile.d/conda.sh"
    else
        export PATH="/opt/conda/bin:$PATH"
    fi
fi
unset __conda_setup
# <<< conda initialize <<<
"""


def test_conda_base_auto_activated_for_root_is_turned_off(real_root) -> None:
    root = real_root("trixie")
    # a stand-in for Miniconda in /opt/conda: conda itself and base's python3
    root.run("mkdir -p /opt/conda/bin && printf '#!/bin/sh\\nexit 1\\n' > /opt/conda/bin/conda && "
             "chmod 755 /opt/conda/bin/conda && cp /usr/bin/python3 /opt/conda/bin/python3.12 && "
             "ln -s python3.12 /opt/conda/bin/python3")
    bashrc = root.host("/root/.bashrc").read_text()
    line = bashrc.count("\n") + 1
    root.write("/root/.bashrc", bashrc + CONDA_BLOCK)  # what `conda init` appends
    code, envelope = doctor(root)
    assert code == 1
    assert envelope["findings"] == [path_finding(
        "/root/.condarc", "root's login shell, root's interactive shell",
        f"/root/.bashrc (line {line}) runs conda's initialize block, and /root/.condarc does not "
        "turn auto_activate_base off, so conda's base environment and its python3 "
        "(/opt/conda/bin/python3) come first",
        ["/root/.condarc"],
        [{"command": "printf '%s\\n' 'auto_activate_base: false' | tee -a /root/.condarc > /dev/null",
          "note": "conda: do not activate the base environment"}])]
    assert_healed(root, envelope, "grep -qx 'auto_activate_base: false' /root/.condarc")
