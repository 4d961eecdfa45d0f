"""The Debian package: built once, lintian-clean, installed into real roots, and still working
when the system Python it lives on is broken.

The .deb is built once per session from a clean copy of the checkout (the `deb` fixture of
conftest.py, shared with test_apt_hooks.py). Each
test installs it with `apt-get install ./pyguard_*.deb` into a fresh overlay, breaks the root the
way users do, runs the INSTALLED /usr/bin/pyguard inside the root (not the checkout from outside),
then runs pyguard's own repair commands there and checks the root is healthy again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import List, Tuple

import pytest

from . import debpkg
from .realroot import (RealRoot, assert_undo_restores, changed_files, default_python, heal,
                       run_repairs, version_of)

PTH_MARKER = "/tmp/pth-ran"


@pytest.fixture(scope="session")
def checked_build(tmp_path_factory: pytest.TempPathFactory, deb: Path):
    """A second build WITH the build's test step, started at once and awaited by the last test."""
    workdir = tmp_path_factory.mktemp("deb-checked")
    build = debpkg.start_build(workdir, check=True)
    yield workdir, build
    if build.poll() is None:
        build.kill()
        build.wait()




def summary(envelope: dict) -> List[Tuple[str, str, str]]:
    return [(f["rule"], f["severity"], f["subject"]) for f in envelope["findings"]]


def assert_heals(root: RealRoot, envelope: dict, *probes: str) -> None:
    """pyguard's repairs, run in the root, leave the installed pyguard nothing to report.

    Rescue mode's findings are the launcher's shell checks, which `pyguard fix` (Python) does
    not know: their repair commands are run as printed, as an admin would. Everything else is
    healed with `pyguard fix` and then undone.
    """
    rescue = any(n["code"] == "rescue-mode" for n in envelope["notes"])
    before = changed_files(root)
    if rescue:
        run_repairs(root, envelope)
    else:
        heal(root, envelope)
    code, after, result = debpkg.doctor_inside(root)
    assert (code, after["findings"], after["errors"]) == (0, [], []), result.stderr
    for probe in probes:
        root.run(probe)
    if not rescue:
        assert_undo_restores(root, before)


def tty_doctor(root: RealRoot) -> subprocess.CompletedProcess:
    """pyguard doctor on a pseudo-terminal, so the text renderer really imports rich."""
    return debpkg.run_inside(root, "script -qec 'pyguard doctor' /dev/null",
                             env={"TERM": "xterm-256color"})


# --------------------------------------------------------------------------- the package


def test_lintian_reports_no_error_and_no_warning(deb: Path, checked_build, tmp_path: Path) -> None:
    tree = debpkg.copy_tree(tmp_path)
    subprocess.run(["dpkg-source", "-b", tree.name], cwd=tmp_path, env=debpkg.BUILD_ENV,
                   check=True, capture_output=True, text=True)
    (dsc,) = tmp_path.glob("pyguard_*.dsc")
    result = subprocess.run(["lintian", "--fail-on", "none", str(deb), str(dsc)],
                            env=debpkg.BUILD_ENV, capture_output=True, text=True, timeout=300)
    tags = [line for line in result.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert tags == []


def test_the_package_holds_launcher_rules_man_page_and_completion(deb: Path) -> None:
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                             check=True).stdout
    paths = {line.split()[-1].lstrip(".") for line in listing.splitlines()}
    rules = {f"/usr/share/pyguard/rules/{p.name}" for p in (debpkg.PROJECT / "rules").glob("*.rule")}
    assert rules <= paths
    assert {"/usr/bin/pyguard", "/usr/share/man/man1/pyguard.1.gz",
            "/usr/share/bash-completion/completions/pyguard",
            "/usr/share/doc/pyguard/SECURITY.md", "/usr/share/doc/pyguard/README.md.gz",
            "/usr/lib/python3/dist-packages/pyguard/cli.py"} <= paths
    assert not any("/dist-packages/pyguard/rules/" in p for p in paths)
    fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True,
                            text=True, check=True).stdout
    assert {d.strip().split()[0] for d in fields.split(",")} == {
        "python3-debian", "python3-psutil", "python3-rich", "python3:any"}


def test_the_man_page_names_every_command_and_option() -> None:
    page = (debpkg.PROJECT / "doc" / "pyguard.1").read_text().replace("\\-", "-")
    helps = [[]] + [[c] for c in ("doctor", "explain", "rules", "report", "venvs", "fix", "undo",
                                  "guard", "hooks")] + [
        ["guard", a] for a in ("install", "uninstall", "status")] + [
        ["hooks", a] for a in ("install", "uninstall", "status", "pre-invoke", "post-invoke",
                               "post-update")]
    missing = []
    for args in helps:
        result = subprocess.run(["python3", "-m", "pyguard", *args, "--help"],
                                env={**debpkg.BUILD_ENV, "PYTHONPATH": str(debpkg.PROJECT / "src")},
                                capture_output=True, text=True)
        words = [w.strip("[](),.") for w in result.stdout.split() if w.startswith(("--", "[--"))]
        missing += [f"{' '.join(args)} {w}" for w in words if w.split("=")[0] not in page]
    assert missing == []


@pytest.mark.parametrize("release", ["bookworm", "trixie"])
def test_installs_from_debian_only_and_doctor_is_clean(installed, release: str) -> None:
    root = installed(release)
    code, envelope, result = debpkg.doctor_inside(root)
    assert (code, envelope["findings"], envelope["errors"], result.stderr) == (0, [], [], "")
    assert not root.host("/usr/local/lib/" + default_python(root) + "/dist-packages").exists() or \
        list(root.host("/usr/local/lib/" + default_python(root) + "/dist-packages").iterdir()) == []
    # the autopkgtests of debian/tests, run in this root as autopkgtest would
    names = [name for name, _ in debpkg.run_autopkgtests(root)]
    assert names == ["commands", "doctor", "rescue", "isolation"]


@pytest.mark.parametrize("release", ["bookworm", "trixie"])
def test_installed_the_day_apt_dies_it_runs_unconfigured_and_finishes_its_own_install(
        real_root, deb: Path, release: str) -> None:
    """The day apt dies is the day pyguard gets installed. With /usr/bin/python3 broken, dpkg
    unpacks pyguard and the dependencies it pulls in but configures none of them (each postinst
    runs py3compile), and apt fails. The installed pyguard runs all the same (its launcher needs
    no package configured), names its own unfinished install among the rest, and its own `fix`
    finishes them all."""
    root = real_root(release)
    v = version_of(root)
    root.run("apt-get purge -y --autoremove python3-rich python3-distro")
    root.run("ln -sf /usr/bin/python3.missing /usr/bin/python3")
    inside = f"/tmp/{deb.name}"
    shutil.copy2(deb, root.host(inside))
    ran = root.run(f"apt-get install -y --no-install-recommends {inside}", check=False)
    assert (ran.returncode, "py3compile: not found" in ran.stdout) == (100, True)
    code, envelope, result = debpkg.doctor_inside(root)
    states = {"pyguard": "unpacked but not configured",
              "python3-markdown-it": "unpacked but not configured",
              "python3-mdurl": "half-configured", "python3-pygments": "half-configured",
              "python3-rich": "unpacked but not configured"}
    if release == "trixie":  # its markdown-it depends on linkify-it too
        states.update({"python3-linkify-it": "unpacked but not configured",
                       "python3-uc-micro": "half-configured"})
    half = ", ".join(f"{name} ({state})" for name, state in sorted(states.items()))
    assert (code, result.stderr) == (2, "")
    assert envelope["findings"] == [{
        "rule": "python-dpkg-interrupted",
        "severity": "error",
        "title": "dpkg did not finish installing Python packages",
        "detail": f"dpkg left these packages half done: {half}. Until they are finished, every "
                  "apt-get install or upgrade stops with \"Sub-process /usr/bin/dpkg returned an "
                  "error code (1)\", and the modules they ship may be missing or not "
                  "byte-compiled.",
        "subject": ", ".join(sorted(states)),
        "paths": ["/var/lib/dpkg/status"],
        "repair": [
            {"command": f"ln -sfn python{v} /usr/bin/python3",
             "note": "the maintainer scripts need a working python3 (the link python3-minimal "
                     "ships)"},
            {"command": "dpkg --configure -a",
             "note": "finish configuring every package left half done"},
        ],
    }, link_finding(v, "it points to /usr/bin/python3.missing, which does not exist",
                    "/usr/bin/python3.missing")]
    fixed = debpkg.run_inside(root, "pyguard fix --yes --format json")
    steps = [(s["command"], s["exit_code"]) for s in json.loads(fixed.stdout)["fix"]["steps"]]
    assert (fixed.returncode, steps) == (0, [
        (f"ln -sfn python{v} /usr/bin/python3", 0), ("dpkg --configure -a", 0),
        (f"apt-get install --reinstall -y python3-minimal python{v}-minimal", 0)])
    code, after, result = debpkg.doctor_inside(root)
    assert (code, after["findings"], after["errors"], result.stderr) == (0, [], [], "")
    audit = root.run("dpkg --audit && dpkg-query -W -f '${db:Status-Abbrev}\\n' pyguard python3-rich")
    assert audit.stdout == "ii \nii \n"
    root.run("python3 -c 'import rich' && apt-get install -y --reinstall python3-six")


def test_dpkg_i_while_apt_refuses_runs_without_its_dependencies_and_heals(real_root,
                                                                          deb: Path) -> None:
    """A killed dpkg left its journal and python3 is broken: apt refuses everything ("dpkg was
    interrupted"), so the admin unpacks pyguard with `dpkg -i`, without python3-debian,
    python3-psutil and python3-rich, which were never installed. pyguard runs on the standard
    library alone, says what pyguard itself waits for, and its fix has apt install it, which
    configures everything left half done."""
    root = real_root("bookworm")
    v = version_of(root)
    root.run("apt-get purge -y --autoremove python3-rich python3-debian python3-psutil")
    root.run("ln -sf /usr/bin/python3.missing /usr/bin/python3")
    six = root.run("dpkg-query -W -f '${Version}' python3-six").stdout
    root.write("/var/lib/dpkg/updates/0000", "Package: python3-six\nStatus: install ok "
               f"half-configured\nArchitecture: all\nVersion: {six}\n\n")
    inside = f"/tmp/{deb.name}"
    shutil.copy2(deb, root.host(inside))
    refused = root.run(f"apt-get install -y {inside}", check=False)
    assert (refused.returncode, "dpkg was interrupted" in refused.stderr) == (100, True)
    assert root.run(f"dpkg -i {inside}", check=False).returncode == 1
    code, envelope, result = debpkg.doctor_inside(root)
    assert (code, result.stderr) == (2, "")
    assert envelope["findings"][0] == {
        "rule": "python-dpkg-interrupted",
        "severity": "error",
        "title": "dpkg did not finish installing Python packages",
        "detail": "dpkg left these packages half done: pyguard (unpacked but not configured), "
                  "python3-six (half-configured). They wait for packages that are not "
                  "installed: python3-debian, python3-psutil, python3-rich. Until they are "
                  "finished, every apt-get install or upgrade stops with \"Sub-process "
                  "/usr/bin/dpkg returned an error code (1)\", and the modules they ship may be "
                  "missing or not byte-compiled.",
        "subject": "pyguard, python3-six",
        "paths": ["/var/lib/dpkg/status"],  # dpkg -i wrote the journal into it
        "repair": [
            {"command": f"ln -sfn python{v} /usr/bin/python3",
             "note": "the maintainer scripts need a working python3 (the link python3-minimal "
                     "ships)"},
            {"command": "apt-get install -f -y",
             "note": "have apt install what they wait for, and configure every package left "
                     "half done"},
        ],
    }
    assert [f["rule"] for f in envelope["findings"]] == ["python-dpkg-interrupted", "python3-link"]
    fixed = debpkg.run_inside(root, "pyguard fix --yes --format json")
    ran = json.loads(fixed.stdout)["fix"]
    steps = [(s["command"], s["exit_code"]) for s in ran["steps"]]
    assert (fixed.returncode, steps) == (0, [
        (f"ln -sfn python{v} /usr/bin/python3", 0),
        ("apt-get install -f -y", 0),
        (f"apt-get install --reinstall -y python3-minimal python{v}-minimal", 0)]), \
        json.dumps(ran, indent=1) + fixed.stderr
    code, after, result = debpkg.doctor_inside(root)
    assert (code, after["findings"], after["errors"], result.stderr) == (0, [], [], "")
    audit = root.run("dpkg --audit && dpkg-query -W -f '${db:Status-Abbrev}\\n' pyguard python3-six")
    assert audit.stdout == "ii \nii \n"


def test_the_daily_report_is_scheduled_and_its_cron_command_runs_quietly(installed) -> None:
    root = installed("bookworm")
    assert root.run("readlink /etc/systemd/system/timers.target.wants/pyguard-report.timer"
                    ).stdout == "/lib/systemd/system/pyguard-report.timer\n"
    line = next(l for l in root.host("/etc/cron.d/pyguard").read_text().splitlines()
                if l and not l.startswith("#") and "=" not in l.split()[0])
    command = line.split(None, 6)[6]  # minute hour day month weekday user COMMAND
    first, second = root.run(command, check=False), root.run(command, check=False)
    # No systemd runs in the chroot, so cron's line does the work; healthy: no output, exit 0.
    assert [(r.returncode, r.stdout, r.stderr) for r in (first, second)] == [(0, "", "")] * 2
    assert root.host("/var/lib/pyguard").is_dir()


# --------------------------------------------------------------------------- broken hosts


def link_finding(v: str, state: str, target: str) -> dict:
    return {
        "rule": "python3-link",
        "severity": "error",
        "title": f"/usr/bin/python3 is not Debian's python{v}",
        "detail": f"/usr/bin/python3 must run Debian's default interpreter /usr/bin/python{v}, but "
                  f"{state}. apt's hooks, maintainer scripts, lsb_release and add-apt-repository "
                  f"all run /usr/bin/python3 and need the modules Debian built for Python {v}.",
        "subject": "/usr/bin/python3",
        "paths": ["/usr/bin/python3", target],
        "repair": [
            {"command": f"ln -sfn python{v} /usr/bin/python3",
             "note": "point /usr/bin/python3 back at Debian's default interpreter"},
            {"command": f"apt-get install --reinstall -y python3-minimal python{v}-minimal",
             "note": "restore both packages' files as shipped"},
        ],
    }


def test_python3_pointing_at_a_missing_interpreter(installed) -> None:
    root = installed("bookworm")
    v = version_of(root)
    root.run("ln -sf /usr/bin/python3.missing /usr/bin/python3")
    assert root.run("python3 -c pass", check=False).returncode == 127
    code, envelope, _ = debpkg.doctor_inside(root)
    assert (code, envelope["findings"]) == (2, [link_finding(
        v, "it points to /usr/bin/python3.missing, which does not exist", "/usr/bin/python3.missing")])
    assert_heals(root, envelope, "python3 -c 'import apt_pkg'", "py3versions -d")


def test_python3_pointing_at_a_foreign_interpreter(installed) -> None:
    root = installed("bookworm")
    v = version_of(root)
    root.run(f"cp /usr/bin/python{v} /usr/local/bin/python3.99 && "
             "ln -sf /usr/local/bin/python3.99 /usr/bin/python3")
    code, envelope, _ = debpkg.doctor_inside(root)
    assert code == 2
    assert envelope["findings"][0] == link_finding(
        v, "it runs /usr/local/bin/python3.99 (Python 3.99), which no Debian package installed",
        "/usr/local/bin/python3.99")
    # a 3.99 cannot load Debian's 3.11 builds: each package with compiled modules is named
    assert summary(envelope)[1:] == [("extension-abi", "error", p) for p in
                                     ("python3-apt", "python3-gi", "python3-psutil", "python3-yaml")]
    assert_heals(root, envelope, "python3 -c 'import apt_pkg'", "py3versions -d")


def test_a_broken_rich_in_usr_local_neither_breaks_nor_fools_pyguard(installed) -> None:
    root = installed("bookworm")
    site = f"/usr/local/lib/{default_python(root)}/dist-packages"
    root.write(f"{site}/rich/__init__.py", 'raise RuntimeError("this rich is broken")\n')
    broken = root.run("python3 -c 'import rich'", check=False)
    assert "this rich is broken" in broken.stderr  # every other root Python program trips on it
    code, envelope, result = debpkg.doctor_inside(root)
    assert (code, summary(envelope), result.stderr) == (
        2, [("shadowed-debian-module", "error", f"{site}:rich")], "")
    assert envelope["findings"][0]["repair"][0]["command"].endswith(f" {site.lstrip('/')}/rich")
    on_tty = tty_doctor(root)  # the text renderer imports rich: Debian's, not this one
    assert (on_tty.returncode, "this rich is broken" in on_tty.stdout,
            "shadowed-debian-module" in on_tty.stdout) == (2, False, True)
    assert_heals(root, envelope, "python3 -c 'import rich.console'")


def test_a_hostile_pth_file_never_runs_inside_pyguard(installed) -> None:
    root = installed("bookworm")
    site = f"/usr/local/lib/{default_python(root)}/dist-packages"
    root.write(f"{site}/zz-hostile.pth",
               f"import os; open({PTH_MARKER!r}, 'w').write('ran')\n")
    code, envelope, result = debpkg.doctor_inside(root)
    on_tty = tty_doctor(root)
    user = debpkg.run_inside(root, "setpriv --reuid=nobody --regid=nogroup --clear-groups "
                                   "pyguard doctor --format json", env={"HOME": "/tmp"})
    assert not root.host(PTH_MARKER).exists(), "pyguard ran the .pth file"
    assert (code, summary(envelope), result.stderr) == (
        2, [("startup-hook", "error", f"{site}/zz-hostile.pth")], "")
    assert (on_tty.returncode, user.returncode, "Traceback" in user.stderr) == (2, 2, False)
    root.run("python3 -c pass")  # the hook is live: any other Python runs it
    assert root.host(PTH_MARKER).exists()
    root.run(f"rm {PTH_MARKER}")
    assert_heals(root, envelope, f"python3 -c pass && test ! -e {PTH_MARKER}")


def test_stdlib_moved_away_gives_rescue_mode_and_its_repair_heals(installed) -> None:
    root = installed("bookworm")
    v = version_of(root)
    root.run(f"mv /usr/lib/python{v} /usr/lib/python{v}.moved")
    assert root.run(f"python{v} -c pass", check=False).returncode != 0
    code, envelope, result = debpkg.doctor_inside(root)
    listed = root.run(f"dpkg -S /usr/lib/python{v}").stdout.strip().rsplit(": ", 1)[0]
    owners = sorted({p.split(":")[0] for p in listed.split(", ")})
    assert (code, envelope["status"], envelope["notes"][0]["code"]) == (2, "error", "rescue-mode")
    assert envelope["findings"] == [{
        "rule": "python-stdlib",
        "severity": "error",
        "title": f"standard library of Python {v} is gone: /usr/lib/python{v}",
        "detail": f"python{v} cannot start without its standard library in /usr/lib/python{v}, "
                  f"but it is missing (a copy is at /usr/lib/python{v}.moved). apt's hooks, "
                  "maintainer scripts and every Debian tool written in Python fail with "
                  "\"No module named 'encodings'\".",
        "subject": f"/usr/lib/python{v}",
        "paths": [f"/usr/lib/python{v}"],
        "repair": [{"command": "apt-get install --reinstall -y " + " ".join(owners),
                    "note": f"reinstall every package that ships files in /usr/lib/python{v}"}],
    }]
    text = debpkg.run_inside(root, "pyguard doctor")
    assert (text.returncode, text.stdout.splitlines()[0]) == (
        2, "pyguard: rescue mode: no Python interpreter starts, so only shell checks of the "
           "essentials ran.")
    root.run(f"rm -rf /usr/lib/python{v}.moved")  # what the user set aside (else a stray copy)
    assert_heals(root, envelope, "python3 -c 'import apt_pkg, json'", "py3versions -d")


def test_the_build_runs_the_unit_tests_in_both_locales(checked_build) -> None:
    workdir, build = checked_build
    deb = debpkg.finish_build(workdir, build)
    assert deb.exists()  # only when the unit tests passed under LC_ALL=C and C.UTF-8


def test_admin_rules_in_etc_are_read_after_the_packaged_ones(installed) -> None:
    root = installed("bookworm")
    v = version_of(root)
    packaged = root.host("/usr/share/pyguard/rules/python3-link.rule").read_text()
    root.write("/etc/pyguard/rules.d/site-python3-link.rule",
               packaged.replace("Rule: python3-link", "Rule: site-python3-link")
                       .replace("Title: /usr/bin/python3 is not", "Title: site policy: /usr/bin/python3 is not"))
    listed = debpkg.run_inside(root, "pyguard rules")
    assert listed.returncode == 0, listed.stderr
    assert {"python3-link", "site-python3-link"} <= {
        line.split()[0] for line in listed.stdout.splitlines() if line[:1].strip()}
    root.run("ln -sf /usr/bin/python3.missing /usr/bin/python3")
    code, envelope, _ = debpkg.doctor_inside(root)
    assert (code, [(f["rule"], f["title"]) for f in envelope["findings"]]) == (2, [
        ("python3-link", f"/usr/bin/python3 is not Debian's python{v}"),
        ("site-python3-link", f"site policy: /usr/bin/python3 is not Debian's python{v}")])


def test_an_interpreter_that_does_not_start_gives_rescue_mode_and_its_repair_heals(installed) -> None:
    root = installed("bookworm")
    v = version_of(root)
    # every file is there, but the interpreter dies while starting (as with a bad libpython)
    root.write(f"/usr/lib/python{v}/encodings/__init__.py", "this is not python\n")
    code, envelope, _ = debpkg.doctor_inside(root)
    assert (code, envelope["notes"][0]["code"]) == (2, "rescue-mode")
    assert envelope["findings"] == [{
        "rule": "python-start",
        "severity": "error",
        "title": f"Debian's default interpreter /usr/bin/python{v} does not start",
        "detail": f"/usr/bin/python{v} and its standard library are present, but the interpreter "
                  "fails: NameError: name 'this' is not defined.",
        "subject": f"/usr/bin/python{v}",
        "paths": [f"/usr/bin/python{v}"],
        "repair": [{"command": f"apt-get install --reinstall -y python{v}-minimal "
                               f"libpython{v}-minimal libpython{v}-stdlib",
                    "note": "restore the interpreter and its libraries as shipped"}],
    }]
    assert_heals(root, envelope, "python3 -c 'import apt_pkg'")


def test_root_user_site_neither_breaks_nor_subverts_pyguard(installed) -> None:
    root = installed("bookworm")
    site = f"/root/.local/lib/{default_python(root)}/site-packages"
    root.write(f"{site}/psutil/__init__.py", 'raise RuntimeError("user-site psutil")\n')
    root.write(f"{site}/zz-user.pth", f"import os; open({PTH_MARKER!r}, 'w').write('ran')\n")
    assert "user-site psutil" in root.run("python3 -c 'import psutil'", check=False).stderr
    root.run(f"rm -f {PTH_MARKER}")  # written by the python3 just above: the hook is live
    code, envelope, result = debpkg.doctor_inside(root)
    assert not root.host(PTH_MARKER).exists(), "pyguard ran the user site's .pth file"
    assert (code, summary(envelope), result.stderr) == (2, [
        ("shadowed-debian-module", "error", f"{site}:psutil"),
        ("startup-hook", "error", f"{site}/zz-user.pth")], "")
    assert_heals(root, envelope, "python3 -c 'import psutil'")
