"""Processes a fix reckons with (pyguard.fix.processes): who holds dpkg's or apt's lock in the
root, and which processes still run files a fix replaced. Real processes where the kernel can
show it (a child holding a lock, a child mapping a file), fake psutil processes for the rest."""

import mmap
import os
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import psutil
import pytest

from pyguard.actions.model import MoveAside, Reinstall
from pyguard.findings import Finding, RepairStep
from pyguard.fix import processes
from pyguard.fix.execute import FixRun, StepResult
from pyguard.fix.plan import Plan, Step
from pyguard.fix.processes import LockHolder, Restart, lock_holders, lock_message, still_running
from pyguard.fix.store import Record

FRONTEND = "/var/lib/dpkg/lock-frontend"
HOLD = ("import fcntl, sys, time\n"
        "f = open(sys.argv[1], 'w')\n"
        "fcntl.lockf(f, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n")
MAP = ("import mmap, sys, time\n"
       "f = open(sys.argv[1], 'rb')\n"
       "m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)\n"
       "print('mapped', flush=True)\n"
       "time.sleep(60)\n")


def root_with_locks(base: Path) -> Path:
    for lock in processes.LOCKS:
        path = base / lock.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    return base


@pytest.fixture
def child():
    """Start `python3 -c CODE FILE` and wait for its first line; killed at the end."""
    started = []

    def start(code: str, path: Path) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE,
                                text=True)
        started.append(proc)
        assert proc.stdout.readline().strip() in ("held", "mapped")
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


# -- dpkg's and apt's locks ------------------------------------------------------------------------

def test_the_process_holding_dpkgs_frontend_lock_is_named(tmp_path, child):
    root = root_with_locks(tmp_path / "root")
    holder = child(HOLD, root / FRONTEND.lstrip("/"))
    name = psutil.Process(holder.pid).name()
    found = lock_holders(str(root))
    assert found == (LockHolder(holder.pid, name, (FRONTEND,)),)
    assert lock_message(found, str(root)) == (
        f"apt or dpkg is at work in {root}: process {holder.pid} ({name}) holds "
        f"{FRONTEND}. Let it finish (or stop it), then run pyguard fix again; nothing changed")


def test_without_psutil_the_holder_is_named_from_proc(tmp_path, child, monkeypatch):
    """dpkg may have unpacked pyguard without python3-psutil (apt refusing, the day it dies):
    /proc/locks names the process, /proc/PID/comm its name."""
    root = root_with_locks(tmp_path / "root")
    holder = child(HOLD, root / FRONTEND.lstrip("/"))
    name = psutil.Process(holder.pid).name()
    monkeypatch.setitem(sys.modules, "psutil", None)  # import psutil raises ImportError
    assert lock_holders(str(root)) == (LockHolder(holder.pid, name, (FRONTEND,)),)


def test_a_lock_is_known_by_its_file_not_by_its_path(tmp_path, child):
    """The same path in another root (the host's own /var/lib/dpkg/lock-frontend, as a chrooted
    apt names it) is another file: its holder does not hold this root's lock."""
    other = root_with_locks(tmp_path / "other")
    root = root_with_locks(tmp_path / "root")
    child(HOLD, other / FRONTEND.lstrip("/"))
    assert lock_holders(str(root)) == ()


def test_no_holder_when_nobody_holds_the_locks_or_there_are_none(tmp_path):
    assert lock_holders(str(root_with_locks(tmp_path / "root"))) == ()
    (tmp_path / "empty").mkdir()
    assert lock_holders(str(tmp_path / "empty")) == ()


def test_locks_of_one_process_are_named_together_in_apts_order(tmp_path, monkeypatch):
    root = root_with_locks(tmp_path / "root")
    ids = {lock: os.stat(root / lock.lstrip("/")) for lock in processes.LOCKS}
    table = tmp_path / "locks"
    table.write_text("".join(
        f"{n}: {kind} ADVISORY  WRITE {pid} {os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:"
        f"{st.st_ino} 0 EOF\n"
        for n, (kind, pid, st) in enumerate((
            ("POSIX ", 4242, ids["/var/lib/dpkg/lock"]),
            ("POSIX ", 4242, ids[FRONTEND]),
            ("-> POSIX ", 4343, ids["/var/lib/apt/lists/lock"]),  # waits: holds nothing
            ("POSIX ", 4444, ids["/var/cache/apt/archives/lock"]),
            ("FLOCK ", 4545, os.stat(tmp_path))), 1)))  # not a lock of apt's
    monkeypatch.setattr(psutil, "Process", FakeProcessByPid({4242: "apt", 4444: "apt-get\x1b]0;x"}))
    found = lock_holders(str(root), str(table))
    assert found == (
        LockHolder(4242, "apt", (FRONTEND, "/var/lib/dpkg/lock")),
        LockHolder(4444, "apt-get\x1b]0;x", ("/var/cache/apt/archives/lock",)),
    )
    assert lock_message(found, "/") == (
        f"apt or dpkg is at work: process 4242 (apt) holds {FRONTEND} and /var/lib/dpkg/lock; "
        "process 4444 (apt-get\x1b]0;x) holds /var/cache/apt/archives/lock. Let it finish (or "
        "stop it), then run pyguard fix again; nothing changed")


def test_an_ofd_lock_names_the_processes_that_have_the_file_open(tmp_path, monkeypatch):
    """An open file description lock shows pid -1: its holder is found among the processes
    that have the lock file open, by what their descriptor leads to."""
    root = root_with_locks(tmp_path / "root")
    st = os.stat(root / "var/lib/apt/lists/lock")
    table = tmp_path / "locks"
    table.write_text(f"1: OFDLCK ADVISORY  WRITE -1 {os.major(st.st_dev):02x}:"
                     f"{os.minor(st.st_dev):02x}:{st.st_ino} 0 EOF\n")
    with open(root / "var/lib/apt/lists/lock") as opened, open(root / FRONTEND) as unlocked:
        me = FakeProcess(os.getpid(), "apt-get", files=[(str(root / FRONTEND), unlocked.fileno()),
                                                       ("/x", opened.fileno())])
        monkeypatch.setattr(psutil, "process_iter",
                            lambda *a: iter([FakeProcess(1, "init", error=psutil.AccessDenied),
                                             me]))
        monkeypatch.setattr(psutil, "Process", FakeProcessByPid({os.getpid(): "apt-get"}))
        assert lock_holders(str(root), str(table)) == (
            LockHolder(os.getpid(), "apt-get", ("/var/lib/apt/lists/lock",)),)


def test_a_holder_gone_since_is_not_named(tmp_path, monkeypatch):
    root = root_with_locks(tmp_path / "root")
    st = os.stat(root / FRONTEND.lstrip("/"))
    table = tmp_path / "locks"
    table.write_text(f"1: POSIX  ADVISORY  WRITE 77 {os.major(st.st_dev):02x}:"
                     f"{os.minor(st.st_dev):02x}:{st.st_ino} 0 EOF\n")
    monkeypatch.setattr(psutil, "Process", FakeProcessByPid({}))
    assert lock_holders(str(root), str(table)) == ()
    assert lock_holders(str(root), str(tmp_path / "no-such-table")) == ()


# -- processes still running replaced files --------------------------------------------------------

def test_a_process_mapping_a_replaced_file_is_to_restart(tmp_path, child):
    lib = Path(os.path.realpath(tmp_path)) / "libpython3.11.so.1.0"
    lib.write_bytes(b"\0" * mmap.PAGESIZE)
    mapper = child(MAP, lib)
    old = processes.old_files([], [str(lib)])
    assert still_running(old) == ()  # the file it maps is still the one at its path
    new = lib.with_name("new")
    new.write_bytes(b"\1" * mmap.PAGESIZE)
    new.rename(lib)  # as dpkg unpacks: a new inode at the path
    assert still_running(old) == (
        Restart(mapper.pid, psutil.Process(mapper.pid).name(), (str(lib),)),)


def test_a_process_mapping_a_file_moved_aside_is_to_restart(tmp_path, child):
    site = Path(os.path.realpath(tmp_path)) / "dist-packages"
    module = site / "numpy" / "core.cpython-311-x86_64-linux-gnu.so"
    module.parent.mkdir(parents=True)
    module.write_bytes(b"\0" * mmap.PAGESIZE)
    mapper = child(MAP, module)
    module.unlink()  # as tar --remove-files takes it away
    assert still_running(processes.old_files([str(site / "numpy")], [])) == (
        Restart(mapper.pid, psutil.Process(mapper.pid).name(), (str(module),)),)
    assert still_running(processes.old_files([str(site / "requests")], [])) == ()


Map = namedtuple("Map", "addr perms path rss")
OpenFile = namedtuple("OpenFile", "path fd")


def test_processes_gone_hidden_or_in_another_root_are_skipped_and_pyguard_is_not_named(monkeypatch):
    old = processes.old_files(["/usr/local/lib/python3.11/dist-packages/numpy"],
                              ["/usr/bin/python3.11"])
    stale = "/usr/local/lib/python3.11/dist-packages/numpy/core.so"
    maps = [Map("7f0000000000-7f0000001000", "r-xp", stale, 0),
            Map("7f0000001000-7f0000002000", "r-xp", "/usr/bin/python3.11", 0),
            Map("7f0000002000-7f0000003000", "r--p", "/usr/lib/locale/C.utf8/LC_CTYPE", 0),
            Map("7f0000003000-7f0000004000", "rw-p", "[heap]", 0)]
    monkeypatch.setattr(psutil, "process_iter", lambda *a: iter([
        FakeProcess(os.getpid(), "pyguard", maps=maps),
        FakeProcess(2, "kthreadd", error=psutil.AccessDenied),
        FakeProcess(3, "gone", error=psutil.NoSuchProcess),
        FakeProcess(30, "app\x1b[2J", maps=maps),
        FakeProcess(20, "gunicorn", maps=maps[1:]),
        FakeProcess(40, "in-a-container", maps=maps),
    ]))
    replaced = {stale, "/usr/bin/python3.11"}
    monkeypatch.setattr(processes, "_replaced", lambda pid, addr, path: path in replaced)
    monkeypatch.setattr(processes, "_same_root", lambda pid, own: pid != 40)
    assert still_running(old) == (
        Restart(20, "gunicorn", ("/usr/bin/python3.11",)),
        Restart(30, "app\x1b[2J", ("/usr/bin/python3.11", stale)),
    )


def test_only_a_fix_of_slash_that_moved_files_or_unpacked_packages_looks(monkeypatch):
    looked = []
    monkeypatch.setattr(processes, "still_running", lambda old: looked.append(old) or
                        (Restart(9, "python3", ("/usr/bin/python3.11",)),))
    monkeypatch.setattr(processes, "files_of_packages", lambda packages, root: [
        f"/usr/bin/{p.split()[0]}" for p in packages])
    move = MoveAside(("/usr/local/lib/python3.11/dist-packages/numpy",), "numpy")
    reinstall = Reinstall(("python3.11-minimal",))
    finding = Finding("r", "error", "t", "", "s", (), (RepairStep(move), RepairStep(reinstall)), {})
    plan = Plan((finding,), (Step(1, finding, move, ""), Step(2, finding, reinstall, "")))

    def ran(*numbers, packages=()):
        record = Record("1", "", "pyguard fix", packages=list(packages))
        return FixRun(record, [StepResult(plan.steps[n - 1], 0, 0.0, "", 0) for n in numbers])

    assert processes.to_restart("/mnt", plan, ran(1, 2, packages=["python3.11 3.11.2"])) == ()
    assert looked == []
    assert processes.to_restart("/", plan, FixRun()) == ()
    assert looked == []
    assert processes.to_restart("/", plan, ran(1)) == (Restart(9, "python3", ("/usr/bin/python3.11",)),)
    assert (looked[0]("/usr/local/lib/python3.11/dist-packages/numpy/core.so"),
            looked[0]("/usr/bin/python3.11")) == (True, False)
    processes.to_restart("/", plan, ran(2, packages=["python3.11-minimal:amd64 3.11.2"]))
    assert (looked[1]("/usr/local/lib/python3.11/dist-packages/numpy/core.so"),
            looked[1]("/usr/bin/python3.11-minimal:amd64")) == (False, True)


def test_the_package_files_of_an_undo_records_packages(fake_root):
    fake_root.install("python3-fake", {"/usr/lib/python3/dist-packages/fake.so": "elf",
                                       "/usr/bin/fake": "#!/bin/sh\n"})
    assert processes.files_of_packages(["python3-fake:amd64 1.0", "not-installed 2.0"],
                                       str(fake_root)) == [
        "/usr/lib/python3/dist-packages/fake.so", "/usr/bin/fake"]


class FakeProcess:
    def __init__(self, pid, name, maps=(), files=(), error=None):
        self.pid, self._name, self._maps, self._files, self._error = pid, name, maps, files, error

    def name(self):
        return self._name

    def memory_maps(self, grouped=True):
        if self._error:
            raise self._error(self.pid)
        return list(self._maps)

    def open_files(self):
        if self._error:
            raise self._error(self.pid)
        return [OpenFile(path, fd) for path, fd in self._files]


class FakeProcessByPid:
    """psutil.Process for known pids; NoSuchProcess for the rest."""

    def __init__(self, names):
        self.names = names

    def __call__(self, pid):
        if pid not in self.names:
            raise psutil.NoSuchProcess(pid)
        return FakeProcess(pid, self.names[pid])


def test_fix_names_the_processes_to_restart_in_its_text_and_json():
    from pyguard.render.fix import envelope, outcome_text

    reinstall = Reinstall(("python3.11-minimal",))
    finding = Finding("python3-link", "error", "t", "", "s", (), (RepairStep(reinstall),), {})
    plan = Plan((finding,), (Step(1, finding, reinstall, ""),))
    record = Record("20260101-000000", "", "pyguard fix",
                    packages=["python3.11-minimal 3.11.2-6+deb12u8"])
    run = FixRun(record, [StepResult(plan.steps[0], 0, 1.0, "", 0)])
    restart = (Restart(812, "gunicorn", ("/usr/bin/python3.11",)),
               Restart(907, "app\x1b]0;x\x07", ("/usr/bin/python3.11",
                                                 "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0")))
    assert outcome_text(plan, run, "", restart=restart).splitlines() == [
        "Done: step 1. Left: none.",
        "Undo record 20260101-000000: 0 paths kept in /var/lib/pyguard/undo/20260101-000000; "
        "`pyguard undo 20260101-000000` puts them back.",
        "Packages unpacked from the archive (undo does not downgrade them): "
        "python3.11-minimal 3.11.2-6+deb12u8",
        "These processes still run the old files:",
        "  812 gunicorn (/usr/bin/python3.11)",
        r"  907 app\x1b]0;x\x07 (/usr/bin/python3.11, "
        "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0)",
        "Restart them to run the repaired ones.",
    ]
    assert outcome_text(plan, run, "").splitlines()[-1].startswith("Packages unpacked")
    assert envelope(plan, run, {}, False, restart=restart)["fix"]["restart"] == [
        {"pid": 812, "name": "gunicorn", "paths": ["/usr/bin/python3.11"]},
        {"pid": 907, "name": "app\x1b]0;x\x07",
         "paths": ["/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"]},
    ]
    assert envelope(plan, run, {}, False)["fix"]["restart"] == []


@pytest.mark.skipif(os.geteuid() != 0, reason="fix refuses to start when not root")
def test_fix_refuses_to_start_while_apt_holds_the_lock(fake_root, child):
    from test_cli import MARKER, pyguard

    fake_root.remove(MARKER)
    fake_root.write(FRONTEND, "")
    holder = child(HOLD, fake_root.host(FRONTEND))
    result = pyguard("fix", "--root", str(fake_root), "--yes")
    name = psutil.Process(holder.pid).name()
    assert (result.returncode, result.stderr) == (
        3, f"pyguard fix: apt or dpkg is at work in {fake_root}: process {holder.pid} ({name}) "
           f"holds {FRONTEND}. Let it finish (or stop it), then run pyguard fix again; nothing "
           "changed\n")
    assert not fake_root.host("/var/lib/pyguard").exists()
