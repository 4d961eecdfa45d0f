"""The apt hooks on fake roots: what pre-invoke and post-invoke print, the switch in pyguard.conf,
the apt.conf.d file, and `pyguard hooks install|uninstall|status`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fakeroot import FakeRoot
from pyguard.apthooks import conf
from pyguard.apthooks.run import fast
from pyguard.cli import main
from pyguard.config import ConfigError, parse

PROJECT = Path(__file__).resolve().parents[2]
SRC = str(PROJECT / "src")
DIST = "/usr/lib/python3/dist-packages"
APT_PKG = f"{DIST}/apt_pkg.cpython-311-x86_64-linux-gnu.so"


@pytest.fixture(autouse=True)
def _as_root_without_config(monkeypatch, tmp_path):
    """apt runs the hooks as root; no config file of this host may decide what they do."""
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setenv("PYGUARD_CONFIG", str(tmp_path / "empty.conf"))
    (tmp_path / "empty.conf").write_text("")


def hook(capsys, action: str, root, *extra: str) -> str:
    """Run a hook as apt would (through cli.main); it must exit 0 and print only on stderr."""
    assert main(["hooks", action, "--root", str(root), *extra]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    return err


def in_root(root, command: str) -> str:
    return f"chroot {root} /bin/sh -c '{command}'"


# -- pre-invoke ------------------------------------------------------------------------------


def test_healthy_roots_are_silent_before_and_after(capsys, tmp_path):
    for root in (FakeRoot.bookworm(tmp_path / "b"), FakeRoot.trixie(tmp_path / "t")):
        assert hook(capsys, "pre-invoke", root) == ""
        assert hook(capsys, "post-invoke", root) == ""


def test_dangling_python3_says_what_fails_and_the_exact_repair(capsys, fake_root):
    fake_root.symlink("/usr/bin/python3", "python3.99")
    assert hook(capsys, "pre-invoke", fake_root) == (
        "pyguard: Debian's system Python is broken: the maintainer scripts of Python packages will fail.\n"
        "  /usr/bin/python3 is not Debian's python3.11  [python3-link]\n"
        "    /usr/bin/python3 must run Debian's default interpreter /usr/bin/python3.11, but it points to\n"
        "    /usr/bin/python3.99, which does not exist.\n"
        "  Repair, as root, then run apt again:\n"
        f"    {in_root(fake_root, 'ln -sfn python3.11 /usr/bin/python3')}\n"
        f"    {in_root(fake_root, 'apt-get install --reinstall -y python3-minimal python3.11-minimal')}\n"
        f"  Or all at once, every changed file kept for pyguard undo: pyguard fix --root {fake_root}\n"
        f"  More: pyguard doctor --root {fake_root}. To silence this check: [hooks] apt = no in "
        "/etc/pyguard/pyguard.conf.\n")


def test_on_the_running_system_repairs_are_plain_commands(fake_root, monkeypatch):
    from pyguard.apthooks import check

    fake_root.remove("/usr/bin/python3.11")  # the default interpreter itself is gone
    outcome = check.check(str(fake_root), check.PRE_RULES)
    outcome = check.AptCheck("/", outcome.findings, outcome.problems)
    assert check.render_pre(outcome, as_root=False).splitlines()[1:7] == [
        "  /usr/bin/python3 is not Debian's python3.11  [python3-link]",
        "    /usr/bin/python3 must run Debian's default interpreter /usr/bin/python3.11, but it points to",
        "    /usr/bin/python3.11, which does not exist.",
        "  Repair, as root, then run apt again:",
        "    sudo ln -sfn python3.11 /usr/bin/python3",
        "    sudo apt-get install --reinstall -y python3-minimal python3.11-minimal",
    ]


def test_python3_running_another_debian_python_names_the_apt_modules_that_cannot_load(capsys, fake_root):
    fake_root.install("python3.12-minimal", version="3.12.1-1", files={"/usr/bin/python3.12": b"\x7fELF"})
    fake_root.install("libpython3.12-minimal", multi_arch="same", version="3.12.1-1",
                      files={"/usr/lib/python3.12/os.py": ""})
    fake_root.symlink("/usr/bin/python3", "python3.12")
    assert hook(capsys, "pre-invoke", fake_root) == (
        "pyguard: Debian's system Python is broken: the maintainer scripts of Python packages will fail.\n"
        "  /usr/bin/python3 is not Debian's python3.11  [python3-link]\n"
        "    /usr/bin/python3 must run Debian's default interpreter /usr/bin/python3.11, but it runs\n"
        "    /usr/bin/python3.12 (Python 3.12), from python3.12-minimal.\n"
        "  compiled modules of python3-apt cannot be loaded  [extension-abi]\n"
        "    No build for Python 3.12, which /usr/bin/python3 runs: apt_inst, apt_pkg.\n"
        "  Repair, as root, then run apt again:\n"
        f"    {in_root(fake_root, 'ln -sfn python3.11 /usr/bin/python3')}\n"
        f"    {in_root(fake_root, 'apt-get install --reinstall -y python3-minimal python3.11-minimal')}\n"
        f"    {in_root(fake_root, 'apt-get install --reinstall -y python3-apt')}\n"
        f"  Or all at once, every changed file kept for pyguard undo: pyguard fix --root {fake_root}\n"
        f"  More: pyguard doctor --root {fake_root}. To silence this check: [hooks] apt = no in "
        "/etc/pyguard/pyguard.conf.\n")


def test_a_path_no_interpreter_package_lists_is_still_told_by_its_owner(capsys, fake_root):
    """The hook reads only the interpreter packages' file lists, and the others when asked."""
    fake_root.install("pypy3", version="7.3.11", files={"/usr/bin/pypy3": b"\x7fELF"})
    fake_root.symlink("/usr/bin/python3", "pypy3")
    assert hook(capsys, "pre-invoke", fake_root).splitlines()[2:4] == [
        "    /usr/bin/python3 must run Debian's default interpreter /usr/bin/python3.11, but it runs",
        "    /usr/bin/pypy3 (Python 3.11), from pypy3.",
    ]


def test_only_what_makes_maintainer_scripts_fail_is_checked_before_dpkg(capsys, fake_root):
    fake_root.remove(f"{DIST}/gi/_gi.cpython-311-x86_64-linux-gnu.so")  # python3-gi: not apt's
    fake_root.remove("/usr/lib/python3.11/EXTERNALLY-MANAGED")  # pip's business, not dpkg's
    fake_root.pip_install("/usr/local/lib/python3.11/dist-packages", "six", "1.17.0")
    assert hook(capsys, "pre-invoke", fake_root) == ""
    fake_root.remove(APT_PKG)
    assert hook(capsys, "pre-invoke", fake_root).splitlines()[1:5] == [
        "  compiled modules of python3-apt cannot be loaded  [extension-abi]",
        f"    Missing: {APT_PKG}.",
        "  Repair, as root, then run apt again:",
        f"    {in_root(fake_root, 'apt-get install --reinstall -y python3-apt')}",
    ]


def test_an_alternatives_group_that_still_runs_the_default_is_no_failure(capsys, fake_root):
    fake_root.alternative("python3", "/usr/bin/python3", [("/usr/bin/python3.11", 1)])
    fake_root.symlink("/usr/bin/python3", "/etc/alternatives/python3")
    fake_root.symlink("/etc/alternatives/python3", "/usr/bin/python3.11")
    assert hook(capsys, "pre-invoke", fake_root) == ""
    fake_root.symlink("/etc/alternatives/python3", "/usr/bin/python3.99")
    assert hook(capsys, "pre-invoke", fake_root).splitlines()[1] == (
        "  update-alternatives has taken over /usr/bin/python3  [python3-alternatives]")


# -- post-invoke -----------------------------------------------------------------------------


def test_after_a_run_that_left_python_broken_a_summary_and_the_next_step(capsys, fake_root):
    fake_root.set_status("python3-six", "install reinstreq half-configured")
    fake_root.remove("/usr/lib/python3.11/EXTERNALLY-MANAGED")
    assert hook(capsys, "post-invoke", fake_root) == (
        "pyguard: after this apt run, Debian's system Python is broken:\n"
        "  ERROR dpkg did not finish installing Python packages  [python-dpkg-interrupted]\n"
        "  WARNING PEP 668 marker of Python 3.11 is gone: it is missing  [pep668-marker]\n"
        f"Next: pyguard doctor --root {fake_root} (why, and the exact repair commands)\n")
    fake_root.symlink("/usr/bin/python3", "python3.99")
    assert hook(capsys, "post-invoke", fake_root).splitlines()[1:4] == [
        "  ERROR dpkg did not finish installing Python packages  [python-dpkg-interrupted]",
        "  ERROR /usr/bin/python3 is not Debian's python3.11  [python3-link]",
        "  WARNING PEP 668 marker of Python 3.11 is gone: it is missing  [pep668-marker]",
    ]


def test_a_half_configured_package_that_is_not_pythons_is_not_ours(capsys, fake_root):
    fake_root.install("cron", version="3.0pl1-162", files={"/usr/sbin/cron": b"\x7fELF"},
                      status="install ok half-configured")
    assert hook(capsys, "post-invoke", fake_root) == ""


# -- the switch and the config ---------------------------------------------------------------


def test_hooks_apt_no_in_pyguard_conf_silences_both_hooks(capsys, fake_root, tmp_path):
    fake_root.symlink("/usr/bin/python3", "python3.99")
    config = tmp_path / "pyguard.conf"
    config.write_text("[hooks]\napt = no\n")
    assert hook(capsys, "pre-invoke", fake_root, "--config", str(config)) == ""
    assert hook(capsys, "post-invoke", fake_root, "--config", str(config)) == ""
    config.write_text("[hooks]\napt = yes\n")
    assert hook(capsys, "pre-invoke", fake_root, "--config", str(config)) != ""


def test_the_switch_is_read_from_the_default_config_file_too(capsys, fake_root, tmp_path, monkeypatch):
    fake_root.symlink("/usr/bin/python3", "python3.99")
    (tmp_path / "off.conf").write_text("# quiet apt runs\n[hooks]\napt = off\n")
    monkeypatch.setenv("PYGUARD_CONFIG", str(tmp_path / "off.conf"))
    assert hook(capsys, "pre-invoke", fake_root) == ""


def test_a_bad_config_is_named_in_one_line_and_apt_goes_on(capsys, fake_root, tmp_path):
    config = tmp_path / "pyguard.conf"
    config.write_text("[hooks]\napt = nope\n")
    assert hook(capsys, "pre-invoke", fake_root, "--config", str(config)) == (
        f"pyguard: apt hook not run: {config} line 2: apt must be yes or no, not 'nope'\n")


def test_config_hooks_section():
    assert parse("[hooks]\napt = no\n").apt_hooks is False
    assert parse("[hooks]\napt = Yes\n").apt_hooks is True
    assert parse("").apt_hooks is True
    with pytest.raises(ConfigError) as caught:
        parse("[hooks]\npip = no\n", "c")
    assert str(caught.value) == "c line 2: unknown setting 'pip' in [hooks] (known: apt)"


def test_an_acknowledged_finding_is_not_spoken_of(capsys, fake_root, tmp_path):
    fake_root.symlink("/usr/bin/python3", "python3.99")
    config = tmp_path / "pyguard.conf"
    config.write_text("[ack]\npython3-link /usr/bin/python3 = our lab image; until 2999-12-31\n")
    assert hook(capsys, "pre-invoke", fake_root, "--config", str(config)) == ""
    config.write_text("[ack]\npython3-link /usr/bin/python3 = our lab image; until 2000-01-01\n")
    assert hook(capsys, "pre-invoke", fake_root, "--config", str(config)) != ""


def test_what_the_hook_cannot_do_is_one_line_never_a_failure(capsys, tmp_path, monkeypatch):
    assert hook(capsys, "pre-invoke", tmp_path / "nowhere") == (
        f"pyguard: apt hook: --root {tmp_path / 'nowhere'}: no such directory\n")
    (tmp_path / "empty").mkdir()
    assert hook(capsys, "post-invoke", tmp_path / "empty") == (
        f"pyguard: apt hook could not check everything: {tmp_path / 'empty'} has no "
        "/var/lib/dpkg/status\n")
    from pyguard.apthooks import check

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(check, "check", broken)
    root = FakeRoot.bookworm(tmp_path / "root")
    assert hook(capsys, "pre-invoke", root) == (
        "pyguard: apt hook could not check: RuntimeError: a bug (pyguard doctor says more)\n")


def test_the_fast_path_takes_only_the_plain_hook_command_line(tmp_path):
    assert fast(["pre-invoke", "--help"]) is None
    assert fast(["pre-invoke", "--root"]) is None
    assert fast(["pre-invoke", "--bogus", "x"]) is None
    assert fast(["install"]) is None
    assert fast(["post-invoke", f"--root={tmp_path}", "--config", os.devnull]) == 0
    assert fast(["post-update", f"--root={tmp_path}", "--config", os.devnull]) == 0


def test_post_update_keeps_no_index_for_a_rescued_root(tmp_path, monkeypatch, capsys):
    """The guard's index lives in the cache of the system pyguard runs on: after `apt update`
    in a root mounted elsewhere (--root), the hook leaves it alone, guard placed or not."""
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    root = FakeRoot.bookworm(tmp_path / "root")
    root.write("/var/lib/pyguard/guard.json", json.dumps({"format": 1, "shims": {
        "/usr/local/sbin/pip": {"sha256": "0" * 64}}, "created_dirs": []}))
    root.write("/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
               "Package: python3-six\nVersion: 1.16.0-4\nArchitecture: all\n\n")
    assert main(["hooks", "post-update", "--root", str(root), "--config", os.devnull]) == 0
    assert capsys.readouterr() == ("", "")
    assert not (tmp_path / "cache").exists()
    config = tmp_path / "bad.conf"
    config.write_text("[hooks]\napt = perhaps\n")
    assert main(["hooks", "post-update", "--config", str(config)]) == 0
    assert capsys.readouterr() == (
        "", f"pyguard: apt hook not run: {config} line 2: apt must be yes or no, not 'perhaps'\n")


def test_a_mistyped_hook_command_line_gets_the_parser(capsys):
    assert main(["hooks", "pre-invoke", "--bogus"]) == 3
    assert capsys.readouterr().err == "pyguard: unrecognized arguments: --bogus\n"


# -- the apt.conf.d file ---------------------------------------------------------------------

PACKAGE_LINE = ("if [ -x /usr/bin/pyguard ]; then timeout --foreground --kill-after=2 10 "
                "/usr/bin/pyguard hooks {} </dev/null || true; fi")


def test_the_package_ships_exactly_the_file_pyguard_writes():
    shipped = (PROJECT / "contrib/apt/80pyguard").read_text()
    assert shipped == conf.conf_text(conf.package_launch())
    assert shipped.splitlines()[-3:] == [
        f'DPkg::Pre-Invoke {{ "{PACKAGE_LINE.format("pre-invoke")}"; }};',
        f'DPkg::Post-Invoke {{ "{PACKAGE_LINE.format("post-invoke")}"; }};',
        f'APT::Update::Post-Invoke-Success {{ "{PACKAGE_LINE.format("post-update")}"; }};',
    ]


@pytest.mark.skipif(shutil.which("apt-config") is None, reason="needs apt-config (Debian's apt)")
def test_apt_reads_the_commands_back_as_written(tmp_path):
    launch = conf.python_launch("/usr/bin/python3.11", ["/opt/pyguard venv/lib", "/usr/lib/python3/dist-packages"])
    path = tmp_path / "80pyguard"
    path.write_text(conf.conf_text(launch, "a test"))
    for text, launch_ in ((path.read_text(), launch), (conf.conf_text(conf.package_launch()), conf.package_launch())):
        path.write_text(text)
        dump = subprocess.run(["apt-config", "-c", str(path), "dump", "DPkg::Pre-Invoke",
                               "DPkg::Post-Invoke", "APT::Update::Post-Invoke-Success"],
                              capture_output=True, text=True, check=True,
                              env={"PATH": "/usr/bin:/bin", "APT_CONFIG": os.devnull}).stdout
        assert [line for line in dump.splitlines() if " hooks " in line] == [
            f'DPkg::Pre-Invoke:: "{conf.command_line(launch_, "pre-invoke")}";',
            f'DPkg::Post-Invoke:: "{conf.command_line(launch_, "post-invoke")}";',
            f'APT::Update::Post-Invoke-Success:: "{conf.command_line(launch_, "post-update")}";',
        ]


def run_line(line: str, **env: str) -> subprocess.CompletedProcess:
    """The command as apt runs it: sh -c, and apt aborts unless it exits 0."""
    return subprocess.run(["/bin/sh", "-c", line], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **env})


def test_the_line_never_fails_apt_and_does_nothing_once_pyguard_is_gone(tmp_path):
    stub = tmp_path / "pyguard"
    stub.write_text("#!/bin/sh\necho \"ran with $*\" >&2\nexit 5\n")
    stub.chmod(0o755)
    line = conf.command_line([str(stub)], "pre-invoke")
    done = run_line(line)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "ran with hooks pre-invoke\n")
    stub.unlink()
    done = run_line(line)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_pip_installs_line_starts_pyguard_isolated_from_its_own_directories(tmp_path):
    """With an interpreter's real file, -I -S -B and pyguard's directory as the argument: a bad
    config is the cheapest way to see the hook itself speak, whatever this host's health."""
    config = tmp_path / "bad.conf"
    config.write_text("[hooks]\napt = perhaps\n")
    launch = conf.python_launch(os.path.realpath(sys.executable), [SRC])
    done = run_line(conf.command_line(launch, "post-invoke"), PYGUARD_CONFIG=str(config),
                    PYTHONPATH="/nonexistent")
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "", f"pyguard: apt hook not run: {config} line 2: apt must be yes or no, not 'perhaps'\n")
    gone = conf.python_launch(os.path.realpath(sys.executable), [str(tmp_path / "removed")])
    done = run_line(conf.command_line(gone, "post-invoke"))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_paths_apt_conf_cannot_hold_are_refused():
    with pytest.raises(conf.HookError):
        conf.python_launch("/usr/bin/python3.11", ['/opt/"quoted"'])
    with pytest.raises(conf.HookError):
        conf.python_launch("python3", ["/opt/pyguard"])


# -- install, uninstall, status --------------------------------------------------------------

INSTALL = ["--interpreter", "/usr/bin/python3.11", "--pythonpath", "/opt/pyguard/lib"]
RUNS = ("  apt runs: /usr/bin/python3.11 -I -S -B (pyguard from /opt/pyguard/lib) "
        "hooks pre-invoke|post-invoke|post-update\n")
MISSING_CLI = ("  MISSING: /opt/pyguard/lib/pyguard/cli.py: the hooks do nothing until it is there "
               "(--interpreter and --pythonpath name what apt should run)\n")


def hooks(capsys, *args: str):
    code = main(["hooks", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_install_places_and_records_the_file_uninstall_removes_exactly_it(capsys, fake_root):
    root = str(fake_root)
    fake_root.mkdir("/etc/apt/apt.conf.d")
    assert hooks(capsys, "install", "--root", root, *INSTALL) == (
        1, "placed   /etc/apt/apt.conf.d/80pyguard\n" + RUNS + MISSING_CLI
        + "recorded in /var/lib/pyguard/hooks.json\n", "")
    placed = fake_root.host(conf.FILE)
    text = placed.read_text()
    assert text == conf.conf_text(conf.python_launch("/usr/bin/python3.11", ["/opt/pyguard/lib"]),
                                  "`pyguard hooks install`; `pyguard hooks uninstall` removes it")
    assert text.splitlines()[0] == ("// pyguard-apt-hooks: placed by `pyguard hooks install`; "
                                    "`pyguard hooks uninstall` removes it; see pyguard(1).")
    assert 'DPkg::Pre-Invoke { "if [ -x /usr/bin/python3.11 ] && [ -f /opt/pyguard/lib/pyguard/cli.py ]; ' \
           "then timeout --foreground --kill-after=2 10 /usr/bin/python3.11 -I -S -B -c " \
           f"'{conf.BOOT}' /opt/pyguard/lib hooks pre-invoke </dev/null || true; fi\"; }};" in text
    assert placed.stat().st_mode & 0o777 == 0o644
    state = json.loads(fake_root.read("/var/lib/pyguard/hooks.json"))
    assert state == {"format": 1, "file": conf.FILE, "sha256": hashlib.sha256(text.encode()).hexdigest(),
                     "launch": conf.python_launch("/usr/bin/python3.11", ["/opt/pyguard/lib"]),
                     "created_dirs": ["/var/lib/pyguard"]}
    fake_root.write("/opt/pyguard/lib/pyguard/cli.py", "")
    assert hooks(capsys, "install", "--root", root, *INSTALL) == (
        0, "kept     /etc/apt/apt.conf.d/80pyguard (already in place)\n" + RUNS
        + "recorded in /var/lib/pyguard/hooks.json\n", "")
    fake_root.remove("/opt/pyguard/lib/pyguard/cli.py")
    assert hooks(capsys, "status", "--root", root) == (
        1, "/etc/apt/apt.conf.d/80pyguard: placed by `pyguard hooks install`, unchanged\n"
        "  needs:  /usr/bin/python3.11\n"
        "  needs:  /opt/pyguard/lib/pyguard/cli.py (MISSING: the hooks do nothing)\n"
        f"  config: on ([hooks] apt in {os.environ['PYGUARD_CONFIG']})\n", "")
    assert hooks(capsys, "uninstall", "--root", root) == (
        0, "removed  /etc/apt/apt.conf.d/80pyguard\nremoved  /var/lib/pyguard/ (pyguard had created it)\n", "")
    assert os.listdir(fake_root.host("/etc/apt/apt.conf.d")) == []
    assert not fake_root.host("/var/lib/pyguard").exists()
    assert hooks(capsys, "uninstall", "--root", root) == (
        0, "pyguard's apt hooks are not installed; nothing to remove\n", "")


def test_what_the_hooks_need_is_looked_for_inside_the_root_only(capsys, fake_root, tmp_path):
    """An absolute link in the root is followed there, never to the host's file of that name:
    inside the root it leads nowhere."""
    host_python = str(tmp_path / "python3")
    Path(host_python).write_text("")
    fake_root.mkdir("/etc/apt/apt.conf.d")
    fake_root.symlink("/opt/py/bin/python3", host_python)
    fake_root.write("/opt/pyguard/lib/pyguard/cli.py", "")
    assert not fake_root.host(host_python).exists() and os.path.exists(host_python)
    code, out, err = hooks(capsys, "install", "--root", str(fake_root), "--interpreter",
                           "/opt/py/bin/python3", "--pythonpath", "/opt/pyguard/lib")
    assert (code, out.splitlines()[2:], err) == (1, [
        "  MISSING: /opt/py/bin/python3: the hooks do nothing until it is there (--interpreter "
        "and --pythonpath name what apt should run)", "recorded in /var/lib/pyguard/hooks.json"], "")
    code, out, err = hooks(capsys, "status", "--root", str(fake_root))
    assert (code, out.splitlines()[1:3]) == (1, [
        "  needs:  /opt/py/bin/python3 (MISSING: the hooks do nothing)",
        "  needs:  /opt/pyguard/lib/pyguard/cli.py"])


def test_install_updates_its_own_file_for_another_pyguard(capsys, fake_root):
    root = str(fake_root)
    fake_root.mkdir("/etc/apt/apt.conf.d")
    hooks(capsys, "install", "--root", root, *INSTALL)
    assert hooks(capsys, "install", "--root", root, "--interpreter", "/usr/bin/python3.13",
                 "--pythonpath", "/opt/pyguard/lib")[1].splitlines()[0] == (
        "updated  /etc/apt/apt.conf.d/80pyguard")
    assert "/usr/bin/python3.13 -I -S -B" in fake_root.read(conf.FILE)


def test_an_edited_file_is_never_overwritten_nor_removed(capsys, fake_root):
    root = str(fake_root)
    fake_root.mkdir("/etc/apt/apt.conf.d")
    hooks(capsys, "install", "--root", root, *INSTALL)
    edited = fake_root.read(conf.FILE).replace("10 ", "20 ")
    fake_root.write(conf.FILE, edited)
    assert hooks(capsys, "install", "--root", root, *INSTALL) == (
        1, "SKIPPED  /etc/apt/apt.conf.d/80pyguard: changed since pyguard placed it; left alone "
        "(it is yours now: edit it, or move it away and install again)\n", "")
    assert hooks(capsys, "uninstall", "--root", root) == (
        1, "KEPT     /etc/apt/apt.conf.d/80pyguard: changed since pyguard placed it; left alone "
        "(it is yours now: edit or remove it by hand)\n", "")
    assert fake_root.read(conf.FILE) == edited
    assert hooks(capsys, "status", "--root", root)[1].splitlines()[0] == (
        "/etc/apt/apt.conf.d/80pyguard: CHANGED since `pyguard hooks install` placed it")


def test_a_file_pyguard_did_not_place_is_left_alone(capsys, fake_root):
    root = str(fake_root)
    fake_root.write(conf.FILE, 'DPkg::Pre-Invoke { "/usr/local/bin/mine"; };\n')
    assert hooks(capsys, "install", "--root", root, *INSTALL) == (
        1, "SKIPPED  /etc/apt/apt.conf.d/80pyguard: not placed by pyguard; left alone "
        "(move it away and run `pyguard hooks install` again)\n", "")
    assert hooks(capsys, "uninstall", "--root", root) == (
        1, "KEPT     /etc/apt/apt.conf.d/80pyguard: not placed by `pyguard hooks install`; left alone\n", "")
    assert fake_root.read(conf.FILE) == 'DPkg::Pre-Invoke { "/usr/local/bin/mine"; };\n'
    assert not fake_root.host("/var/lib/pyguard").exists()


def test_with_the_debian_package_there_is_nothing_to_install_or_uninstall(capsys, fake_root, tmp_path):
    root = str(fake_root)
    launcher = "#!/bin/sh\n# the launcher\n"
    fake_root.install("pyguard", arch="all", version="0.1.0",
                      files={"/usr/bin/pyguard": launcher},
                      conffiles={conf.FILE: conf.conf_text(conf.package_launch())})
    fake_root.write(conf.FILE, conf.conf_text(conf.package_launch()))
    fake_root.write("/var/lib/dpkg/info/pyguard.conffiles", conf.FILE + "\n")
    (tmp_path / "off.conf").write_text("[hooks]\napt = no\n")
    assert hooks(capsys, "install", "--root", root, *INSTALL) == (
        0, "kept     /etc/apt/apt.conf.d/80pyguard: the pyguard package ships it; nothing to do\n", "")
    assert hooks(capsys, "uninstall", "--root", root) == (
        1, "KEPT     /etc/apt/apt.conf.d/80pyguard: the pyguard package ships it; turn the hooks "
        "off with [hooks] apt = no in /etc/pyguard/pyguard.conf\n", "")
    assert hooks(capsys, "status", "--root", root, "--config", str(tmp_path / "off.conf")) == (
        0, "/etc/apt/apt.conf.d/80pyguard: shipped by the pyguard package\n"
        "  needs:  /usr/bin/pyguard\n"
        f"  config: off ([hooks] apt in {tmp_path / 'off.conf'})\n", "")


def test_without_apt_or_a_root_there_is_nothing_to_act_on(capsys, tmp_path):
    (tmp_path / "bare").mkdir()
    assert hooks(capsys, "install", "--root", str(tmp_path / "bare"), *INSTALL) == (
        3, f"no /etc/apt in {tmp_path / 'bare'}: the hooks are for apt, which is not installed there\n", "")
    assert hooks(capsys, "status", "--root", str(tmp_path / "nowhere")) == (
        3, "", f"pyguard hooks: --root {tmp_path / 'nowhere'}: no such directory\n")


def test_by_default_install_runs_this_pyguard_with_the_real_interpreter_file(capsys, fake_root):
    """Into a root that holds neither this interpreter nor this pyguard (a rescue root, from a
    checkout): placed, and said to do nothing there, exit 1 as `hooks status` would."""
    fake_root.mkdir("/etc/apt/apt.conf.d")
    code, out, err = hooks(capsys, "install", "--root", str(fake_root))
    state = json.loads(fake_root.read("/var/lib/pyguard/hooks.json"))
    interpreter, cli = state["launch"][0], state["launch"][6].split(":")[0] + "/pyguard/cli.py"
    assert (code, err) == (1, "")
    assert out.splitlines()[2:] == [
        f"  MISSING: {path}: the hooks do nothing until it is there (--interpreter and "
        "--pythonpath name what apt should run)" for path in (interpreter, cli)
        if not fake_root.host(path).exists()  # the fake root has Debian's /usr/bin/python3.11
    ] + ["recorded in /var/lib/pyguard/hooks.json"]
    assert not fake_root.host(cli).exists()
    assert state["launch"][:6] == [os.path.realpath(sys.executable), "-I", "-S", "-B", "-c", conf.BOOT]
    import pyguard
    assert state["launch"][6].split(":")[0] == os.path.dirname(os.path.dirname(pyguard.__file__))
