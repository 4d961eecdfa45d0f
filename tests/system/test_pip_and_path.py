"""Root's pip commands and root's python3 on real roots: broken, found, and healed.

Each test breaks a fresh overlay the way it happens to users, asserts pyguard's whole finding
list, runs pyguard's repairs in order inside the root, and checks that root's shell is right again.
"""

from __future__ import annotations

import pytest

from .realroot import assert_healed, doctor, version_of

RELEASES = ["bookworm", "trixie"]
ASIDE = ('mkdir -p /var/lib/pyguard/aside && tar -C / {flags} "$(mktemp --suffix=.tar.gz '
         '/var/lib/pyguard/aside/{label}.XXXXXX)" {paths}')
PATH_TAIL = (" Scripts that start with \"#!/usr/bin/env python3\", and every \"python3\" typed as "
             "root or run through sudo, then get that interpreter instead of Debian's, without the "
             "modules Debian's packages installed for it.")
KEEP_NOTE = "keep a copy of the file edited next"


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
def test_debian_pip_removed_by_hand_is_reinstalled(real_root, release) -> None:
    root = real_root(release)
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
                      "never shipped.",
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


@pytest.mark.parametrize("release", RELEASES)
def test_make_install_python3_in_usr_local_bin_is_moved_aside(real_root, release) -> None:
    root = real_root(release)
    # what `make install` leaves (a stand-in build: Debian's binary beside a stdlib of its own);
    # `make altinstall` would have left python3.12 alone
    root.run("mkdir -p /usr/local/lib/python3.12 && touch /usr/local/lib/python3.12/os.py && "
             "cp /usr/bin/python3 /usr/local/bin/python3.12 && ln -s python3.12 /usr/local/bin/python3")
    # sudo's stock /etc/sudoers line
    root.write("/etc/sudoers", 'Defaults\tsecure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:'
                               '/usr/bin:/sbin:/bin"\nroot\tALL=(ALL:ALL) ALL\n', mode=0o440)
    assert root.run("command -v python3").stdout.strip() == "/usr/local/bin/python3"
    code, envelope = doctor(root)
    assert code == 1
    assert envelope["findings"] == [path_finding(
        "/usr/local/bin/python3", "root's PATH, sudo's secure_path",
        "/usr/local/bin/python3 is found before Debian's /usr/bin/python3",
        ["/usr/local/bin/python3"],
        [{"command": aside("python3-path-usr-local-bin-python3", "/usr/local/bin/python3"),
          "note": "move the python3 aside (kept in /var/lib/pyguard/aside)"}])]
    assert_healed(root, envelope, "test \"$(command -v python3)\" = /usr/bin/python3",
                  "test -x /usr/local/bin/python3.12")


PYENV_LINES = ('export PYENV_ROOT="$HOME/.pyenv"\n'
               '[[ -d $PYENV_ROOT/bin ]] && export PATH="$PYENV_ROOT/bin:$PATH"\n'
               'eval "$(pyenv init -)"\n')


def test_pyenv_init_in_roots_bashrc_is_commented_out(real_root) -> None:
    root = real_root("bookworm")
    bashrc = root.host("/root/.bashrc").read_text()
    first = bashrc.count("\n") + 1
    root.write("/root/.bashrc", bashrc + "\n# pyenv\n" + PYENV_LINES)
    root.write("/root/.pyenv/version", "3.12.1\n")
    root.run("mkdir -p /root/.pyenv/versions/3.12.1/bin /root/.pyenv/shims && "
             "cp /usr/bin/python3 /root/.pyenv/versions/3.12.1/bin/python3.12")
    line = first + 4
    code, envelope = doctor(root)
    assert code == 1
    assert envelope["findings"] == [path_finding(
        "/root/.bashrc", "root's PATH",
        "pyenv's shims come first (its global version is 3.12.1): "
        f"line {line}: eval \"$(pyenv init -)\"",
        ["/root/.bashrc"],
        [{"command": aside("python3-path-root-.bashrc", "/root/.bashrc", remove=False),
          "note": KEEP_NOTE},
         {"command": f"sed -i '{line}s/^/# disabled by pyguard: /' /root/.bashrc",
          "note": "comment out the lines"}])]
    assert_healed(root, envelope,
                  "grep -qx '# disabled by pyguard: eval \"$(pyenv init -)\"' /root/.bashrc",
                  "test $(ls /var/lib/pyguard/aside | wc -l) = 1")


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
    bashrc = root.host("/root/.bashrc").read_text()
    line = bashrc.count("\n") + 1
    root.write("/root/.bashrc", bashrc + CONDA_BLOCK)  # what `conda init` appends
    code, envelope = doctor(root)
    assert code == 1
    assert envelope["findings"] == [path_finding(
        "/root/.condarc", "root's PATH",
        f"/root/.bashrc (line {line}) runs conda's initialize block, and /root/.condarc does not "
        "turn auto_activate_base off, so conda's base environment and its python3 come first",
        ["/root/.condarc"],
        [{"command": "printf 'auto_activate_base: false\\n' >> /root/.condarc",
          "note": "conda: do not activate the base environment"}])]
    assert_healed(root, envelope, "grep -qx 'auto_activate_base: false' /root/.condarc")
