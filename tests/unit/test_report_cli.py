"""`pyguard report` as cron, a timer or a monitor runs it: quiet when nothing changed, else a
summary and the doctor's exit code; state that survives corruption and concurrent runs."""

import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fakeroot import DIST_PACKAGES, EXTERNALLY_MANAGED

SRC = str(Path(__file__).resolve().parents[2] / "src")
MARKER = "/usr/lib/python3.11/EXTERNALLY-MANAGED"
SUDO = "" if os.geteuid() == 0 else "sudo "


@pytest.fixture
def env(tmp_path):
    """Environment of a run: src/ on the path, state and config in tmp_path, no syslog."""
    config = tmp_path / "pyguard.conf"
    config.write_text("[report]\nsyslog = no\n")
    environ = {k: v for k, v in os.environ.items()
               if k not in ("NO_COLOR", "TERM", "PYGUARD_RULES", "PYGUARD_STATE_DIR", "LANG",
                            "LC_ALL", "LC_CTYPE", "PYTHONIOENCODING", "PYTHONUTF8")}
    environ["PYTHONPATH"] = SRC + os.pathsep + environ.get("PYTHONPATH", "")
    environ["PYGUARD_STATE_DIR"] = str(tmp_path / "state")
    environ["PYGUARD_CONFIG"] = str(config)
    environ["LC_ALL"] = "C.UTF-8"
    return environ


def report(env, root, *args, extra_env=None):
    environ = dict(env, **(extra_env or {}))
    return subprocess.run([sys.executable, "-m", "pyguard", "report", "--root", str(root), *args],
                          capture_output=True, text=True, env=environ, timeout=60)


def chroot(root, command):
    import shlex
    return f"{SUDO}chroot {shlex.quote(str(root))} /bin/sh -c {shlex.quote(command)}"


def test_healthy_root_is_quiet_first_and_second_time(env, fake_root):
    for _ in range(2):
        result = report(env, fake_root)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_change_prints_the_summary_and_the_doctors_exit_code_then_quiet(env, fake_root):
    root = str(fake_root)
    assert report(env, fake_root).returncode == 0
    fake_root.remove(MARKER)
    result = report(env, fake_root)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.split("\n") == [
        f"pyguard report: 1 warning on {root} (Debian 12 (bookworm), default Python 3.11); "
        "since the last run: 1 new",
        f"Run the repairs below as root; they work inside {root} with chroot.",
        "",
        "New",
        "  WARNING PEP 668 marker of Python 3.11 is gone: it is missing  [pep668-marker]",
        f"    1. {chroot(root, 'apt-get install --reinstall -y libpython3.11-stdlib')}",
        "       # restore the marker as shipped",
        "",
        f"Why and how: pyguard doctor --root {root}; pyguard explain RULE",
        "",
    ]
    again = report(env, fake_root)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    fake_root.remove("/usr/bin/python3")
    worse = report(env, fake_root)
    assert worse.returncode == 2
    assert worse.stdout.split("\n")[0] == (
        f"pyguard report: 1 error, 1 warning on {root} (Debian 12 (bookworm), default Python "
        "3.11); since the last run: 1 new, 1 still open")
    assert worse.stdout.split("\n")[3:7] == [
        "New",
        "  ERROR /usr/bin/python3 is not Debian's python3.11  [python3-link]",
        f"    1. {chroot(root, 'ln -sfn python3.11 /usr/bin/python3')}",
        "       # point /usr/bin/python3 back at Debian's default interpreter",
    ]
    assert "Still open\n  WARNING PEP 668 marker" in worse.stdout


def test_a_change_whose_report_could_not_be_written_is_said_again_next_time(env, fake_root,
                                                                           tmp_path):
    """The state was saved before the output was written: a cron job whose stdout was full or
    closed, or whose --output could not be written, never heard of the change again."""
    assert report(env, fake_root).returncode == 0
    fake_root.remove(MARKER)
    first = report(env, fake_root).stdout
    assert first.startswith("pyguard report: 1 warning on ")
    environ = dict(env)
    for how in ("full", "closed", "output"):
        report(env, fake_root)  # what changed since (python3 put back) is said: quiet again
        assert report(env, fake_root).returncode == 0
        fake_root.remove("/usr/bin/python3")
        args = ("--output", str(tmp_path / "no/such/dir/report.txt")) if how == "output" else ()
        with open("/dev/full", "w") as full:
            lost = subprocess.run(
                [sys.executable, "-m", "pyguard", "report", "--root", str(fake_root), *args],
                stdout=full, stderr=subprocess.PIPE, text=True, env=environ, timeout=60,
                preexec_fn=(lambda: os.close(1)) if how == "closed" else None)
        why = {"full": "cannot write its output: No space left on device",
               "closed": "cannot write its output: standard output is closed",
               "output": f"cannot write {tmp_path}/no/such/dir/report.txt: No such file or "
                         "directory"}[how]
        assert (lost.returncode, lost.stderr) == (3, f"pyguard: {why}\n")
        again = report(env, fake_root)
        assert (again.returncode, again.stdout.split("\n")[0], again.stderr) == (
            2, f"pyguard report: 1 error, 1 warning on {fake_root} (Debian 12 (bookworm), default "
               "Python 3.11); since the last run: 1 new, 1 still open", "")
        fake_root.symlink("/usr/bin/python3", "python3.11")


def test_resolved_findings_are_reported_once(env, fake_root):
    root = str(fake_root)
    fake_root.remove(MARKER)
    fake_root.remove("/usr/bin/python3")
    assert report(env, fake_root).returncode == 2
    fake_root.symlink("/usr/bin/python3", "python3.11")
    result = report(env, fake_root)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.split("\n")[0] == (
        f"pyguard report: 1 warning on {root} (Debian 12 (bookworm), default Python 3.11); "
        "since the last run: 1 still open, 1 resolved")
    assert result.stdout.split("\n")[-6:] == [
        "",
        "Resolved",
        "  ERROR /usr/bin/python3 is not Debian's python3.11  [python3-link]",
        "",
        f"Why and how: pyguard doctor --root {root}; pyguard explain RULE",
        "",
    ]
    assert report(env, fake_root).stdout == ""
    fake_root.write(MARKER, EXTERNALLY_MANAGED.format(version="3.11"))
    healed = report(env, fake_root)
    assert (healed.returncode, healed.stdout) == (0, (
        f"pyguard report: {root} (Debian 12 (bookworm), default Python 3.11) is healthy now; "
        "since the last run: 1 resolved\n\nResolved\n"
        "  WARNING PEP 668 marker of Python 3.11 is gone: it is missing  [pep668-marker]\n"))
    assert report(env, fake_root).stdout == ""


@pytest.mark.parametrize("content, why", [
    (b"\x00\xffgarbage", "it is not JSON"),
    (b'{"format": "somebody-else/3"}', "it is not pyguard report state (pyguard-report-state/1) but 'somebody-else/3'"),
    (b'[1, 2]', "it is not pyguard report state (pyguard-report-state/1)"),
    (b'{"format": "pyguard-report-state/1", "root": "/elsewhere", "time": 0, "findings": []}',
     "it is the state of '/elsewhere', not of "),
    (b'{"format": "pyguard-report-state/1", "root": "ROOT", "time": 0, "findings": [{"rule": 1}]}',
     "its content is damaged"),
    (b"[" * 100_000 + b"]" * 100_000, "it is not JSON"),  # past Python's recursion limit
    (b'{"format": "pyguard-report-state/1", "root": "ROOT", "time": 1' + b"0" * 400
     + b', "findings": []}', "its content is damaged (OverflowError"),
], ids=["garbage", "foreign", "list", "other-root", "damaged", "deep", "huge-time"])
def test_corrupt_or_foreign_state_is_set_aside_with_a_message(env, fake_root, tmp_path, content, why):
    fake_root.remove(MARKER)
    assert report(env, fake_root).returncode == 1
    [state] = (tmp_path / "state").glob("report-text-*.json")
    state.write_bytes(content.replace(b"ROOT", str(fake_root).encode()))
    result = report(env, fake_root)
    assert result.returncode == 1  # starts afresh: the open finding is new again
    assert "since the last run" not in result.stdout and "first run: 1 new" in result.stdout
    [aside] = (tmp_path / "state").glob("report-text-*.json.bad-*")
    assert aside.read_bytes() == content.replace(b"ROOT", str(fake_root).encode())
    assert result.stderr.startswith(f"pyguard: the state file {state} was not usable ({why}")
    assert result.stderr.endswith(f"moved it to {aside} and started afresh\n")
    assert json.loads(state.read_text())["root"] == str(fake_root)
    assert report(env, fake_root).stdout == ""


def test_a_symlinked_state_file_is_not_followed_but_set_aside(env, fake_root, tmp_path):
    assert report(env, fake_root).returncode == 0
    [state] = (tmp_path / "state").glob("report-text-*.json")
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    state.unlink()
    state.symlink_to(victim)
    result = report(env, fake_root)
    assert result.returncode == 0 and "it is a symlink" in result.stderr
    assert victim.read_text() == "precious\n" and not state.is_symlink()


def test_state_is_kept_per_root_and_per_format(env, tmp_path):
    from fakeroot import FakeRoot
    one, two = FakeRoot.bookworm(tmp_path / "one"), FakeRoot.bookworm(tmp_path / "two")
    one.remove(MARKER)
    assert report(env, one).returncode == 1
    assert report(env, two).stdout == ""
    assert report(env, one).stdout == ""
    assert json.loads(report(env, one, "--format", "json").stdout)["changes"]["new"] == [
        {"rule": "pep668-marker", "subject": MARKER}]  # json's own state: not swallowed by text
    assert len(list((tmp_path / "state").glob("report-*.json"))) == 3


def test_concurrent_runs_wait_for_the_lock_and_do_not_corrupt_state(env, fake_root, tmp_path):
    fake_root.remove(MARKER)
    runs = [subprocess.Popen([sys.executable, "-m", "pyguard", "report", "--root", str(fake_root)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)]
    results = [(p.wait(60), p.stdout.read(), p.stderr.read()) for p in runs]
    for p in runs:
        p.stdout.close()
        p.stderr.close()
    # exactly one run saw the new finding; the others ran after it and found nothing changed
    assert sorted(code for code, _, _ in results) == [0, 0, 0, 1]
    assert [err for _, _, err in results] == ["", "", "", ""]
    [state] = (tmp_path / "state").glob("report-text-*.json")
    assert [f["rule"] for f in json.loads(state.read_text())["findings"]] == ["pep668-marker"]


def test_a_run_blocks_while_another_holds_the_lock(env, fake_root, tmp_path):
    assert report(env, fake_root).returncode == 0
    [state] = (tmp_path / "state").glob("report-text-*.json")
    with open(f"{state}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        run = subprocess.Popen([sys.executable, "-m", "pyguard", "report", "--root", str(fake_root)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        assert run.poll() is None
        fcntl.flock(lock, fcntl.LOCK_UN)
    out, err = run.communicate(timeout=60)
    assert (run.returncode, out, err) == (0, "", "")


@pytest.mark.parametrize("locale", ["C", "C.UTF-8", "POSIX"])
def test_c_locale_of_cron_and_utf8_give_the_same_text(env, fake_root, locale, tmp_path):
    fake_root.pip_install(DIST_PACKAGES, "café-crème", "1.0", top_level=["cafe"])
    result = report(env, fake_root, extra_env={"LC_ALL": locale})
    assert (result.returncode, result.stderr) == (2, "")
    assert "café-crème 1.0" in result.stdout and "café_crème-1.0.dist-info" in result.stdout
    reference = report(dict(env, PYGUARD_STATE_DIR=str(tmp_path / "ref")), fake_root)
    assert result.stdout == reference.stdout


def test_output_file_is_written_atomically_and_replaced(env, fake_root, tmp_path):
    target = tmp_path / "textfile" / "pyguard.prom"
    target.parent.mkdir()
    target.write_text("old\n")
    result = report(env, fake_root, "--format", "prometheus", "--output", str(target))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert "pyguard_status 0\n" in target.read_text()
    assert sorted(p.name for p in target.parent.iterdir()) == ["pyguard.prom"]
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_prometheus_output_passes_the_exposition_parser(env, tmp_path):
    from prometheus_client.parser import text_string_to_metric_families

    from fakeroot import FakeRoot
    root = FakeRoot.bookworm(tmp_path / 'odd "root" \\ here')
    root.remove(MARKER)
    (tmp_path / "pyguard.conf").write_text(
        f"[report]\nsyslog = no\n[ack]\npep668-marker {MARKER} = known; until 2999-12-31\n")
    root.remove("/usr/bin/python3")
    result = report(env, root, "--format", "prometheus")
    assert (result.returncode, result.stderr) == (2, "")
    families = {f.name: f for f in text_string_to_metric_families(result.stdout)}
    assert sorted(families) == ["pyguard_findings", "pyguard_findings_acknowledged", "pyguard_info",
                                "pyguard_last_run_timestamp_seconds", "pyguard_run_duration_seconds",
                                "pyguard_status"]
    assert all(f.type == "gauge" for f in families.values())
    found = {(s.labels["rule"], s.labels["severity"]): s.value
             for s in families["pyguard_findings"].samples}
    acked = {(s.labels["rule"], s.labels["severity"]): s.value
             for s in families["pyguard_findings_acknowledged"].samples}
    assert found[("python3-link", "error")] == 1 and found[("pep668-marker", "warning")] == 0
    assert acked[("pep668-marker", "warning")] == 1 and acked[("python3-link", "error")] == 0
    assert sum(found.values()) == 1 and sum(acked.values()) == 1
    assert set(found) == set(acked)  # one series per rule, zeros included
    [status] = families["pyguard_status"].samples
    assert status.value == 2
    [info] = families["pyguard_info"].samples
    assert info.labels == {"version": "0.1.0", "root": str(root), "default_python": "python3.11"}
    [stamp] = families["pyguard_last_run_timestamp_seconds"].samples
    assert abs(stamp.value - time.time()) < 60
    [duration] = families["pyguard_run_duration_seconds"].samples
    assert 0 < duration.value < 60


def test_nagios_plugin_output_and_exit_codes(env, fake_root, tmp_path):
    root = str(fake_root)
    healthy = report(env, fake_root, "--format", "nagios")
    assert healthy.returncode == 0
    line, = healthy.stdout.splitlines()
    assert line.startswith(f"PYGUARD OK - {root} is healthy | errors=0;;;0 warnings=0;;;0 "
                           "info=0;;;0 acknowledged=0;;;0 time=")
    fake_root.remove(MARKER)
    warning = report(env, fake_root, "--format", "nagios")
    assert warning.returncode == 1
    assert warning.stdout.splitlines()[0].startswith(
        f"PYGUARD WARNING - 1 warning on {root}: PEP 668 marker of Python 3.11 is gone: it is "
        "missing | errors=0;;;0 warnings=1;;;0 info=0;;;0 acknowledged=0;;;0 time=")
    fake_root.remove("/usr/bin/python3")
    critical = report(env, fake_root, "--format", "nagios")
    assert critical.returncode == 2
    first, *rest = critical.stdout.splitlines()
    assert first.startswith(
        f"PYGUARD CRITICAL - 1 error, 1 warning on {root}: /usr/bin/python3 is not Debian's "
        "python3.11 | errors=1;;;0 warnings=1;;;0 info=0;;;0 acknowledged=0;;;0 time=")
    assert first.count("|") == 1
    assert rest == ["ERROR: /usr/bin/python3 is not Debian's python3.11 [python3-link]",
                    "WARNING: PEP 668 marker of Python 3.11 is gone: it is missing [pep668-marker]"]
    (tmp_path / "pyguard.conf").write_text("[report]\nsyslog = no\n[ack]\npython3-link\n")
    unknown = report(env, fake_root, "--format", "nagios")
    assert (unknown.returncode, unknown.stdout) == (3, (
        f"PYGUARD UNKNOWN - {tmp_path / 'pyguard.conf'} line 4: expected KEY = VALUE, got "
        "'python3-link' | errors=0;;;0 warnings=0;;;0 info=0;;;0 acknowledged=0;;;0 "
        "time=0.000s;;;0\n"))


def test_acknowledged_findings_do_not_count_until_they_expire(env, fake_root, tmp_path):
    config = tmp_path / "pyguard.conf"
    fake_root.remove(MARKER)
    config.write_text(f"[report]\nsyslog = no\n[ack]\npep668-marker {MARKER} = we test pip "
                      "here; until 2999-12-31\n")
    assert report(env, fake_root) .stdout == ""  # only an acknowledged finding: nothing to say
    data = json.loads(report(env, fake_root, "--format", "json").stdout)
    assert (data["status"], data["exit_code"]) == ("ok", 0)
    assert data["findings"][0]["ack"] == {"reason": "we test pip here", "until": "2999-12-31",
                                          "holds": True, "config": f"{config} line 4"}
    fake_root.remove("/usr/bin/python3")
    result = report(env, fake_root)
    assert result.returncode == 2
    assert result.stdout.split("\n")[-7:] == [
        "",
        "Acknowledged (not counted)",
        "  WARNING PEP 668 marker of Python 3.11 is gone: it is missing  [pep668-marker]",
        f"    until 2999-12-31: we test pip here ({config} line 4)",
        "",
        f"Why and how: pyguard doctor --root {fake_root}; pyguard explain RULE",
        "",
    ]
    config.write_text("[report]\nsyslog = no\n[ack]\npep668-marker * = we test pip here; "
                      "until 2000-01-31\n")
    expired = report(env, fake_root)
    assert expired.returncode == 2
    assert "since the last run: 2 still open, 1 acknowledged or expired" in expired.stdout
    assert (f"    acknowledgement expired on 2000-01-31: we test pip here ({config} line 4)\n"
            in expired.stdout)


def test_json_has_the_doctors_envelope_and_the_changes(env, fake_root):
    fake_root.remove(MARKER)
    data = json.loads(report(env, fake_root, "--format", "json").stdout)
    doctor = json.loads(subprocess.run(
        [sys.executable, "-m", "pyguard", "doctor", "--root", str(fake_root), "--format", "json"],
        capture_output=True, text=True, env=env, timeout=60).stdout)
    assert data["changes"] == {"changed": True, "first_run": True,
                               "new": [{"rule": "pep668-marker", "subject": MARKER}],
                               "still_open": [], "resolved": []}
    assert sorted(data["run"]) == ["duration_seconds", "finished"]
    for key in ("schema", "tool", "root", "host", "status", "exit_code", "errors", "notes"):
        assert data[key] == doctor[key]
    assert [{k: v for k, v in f.items() if k != "ack"} for f in data["findings"]] == doctor["findings"]
    assert data["command"] == "report"
    fake_root.write(MARKER, EXTERNALLY_MANAGED.format(version="3.11"))
    again = json.loads(report(env, fake_root, "--format", "json").stdout)
    assert again["changes"]["resolved"] == [{
        "rule": "pep668-marker", "subject": MARKER, "severity": "warning",
        "title": "PEP 668 marker of Python 3.11 is gone: it is missing"}]


def test_bad_config_or_root_is_exit_3_with_a_clear_message(env, fake_root, tmp_path):
    (tmp_path / "pyguard.conf").write_text("[report]\nformat = yaml\n")
    result = report(env, fake_root)
    assert (result.returncode, result.stdout, result.stderr) == (3, "", (
        f"pyguard: {tmp_path / 'pyguard.conf'} line 2: format must be one of text, json, "
        "prometheus, nagios, not 'yaml'\n"))
    (tmp_path / "pyguard.conf").write_text("[report]\nsyslog = no\n")
    missing = report(env, tmp_path / "nowhere")
    assert (missing.returncode, missing.stderr) == (3, f"pyguard: --root {tmp_path / 'nowhere'}: no such directory\n")
    data = json.loads(report(env, tmp_path / "nowhere", "--format", "json").stdout)
    assert (data["status"], data["exit_code"], data["changes"]) == ("unknown", 3, None)


def test_a_failed_examination_keeps_the_previous_state(env, fake_root, tmp_path):
    fake_root.remove(MARKER)
    assert report(env, fake_root).returncode == 1
    status = fake_root.host("/var/lib/dpkg/status")
    saved = status.read_bytes()
    status.unlink()
    assert report(env, fake_root).returncode == 3
    status.write_bytes(saved)
    assert report(env, fake_root).stdout == ""  # still open, not "new" again


def test_config_sets_the_default_format_and_output(env, fake_root, tmp_path):
    target = tmp_path / "metrics.prom"
    (tmp_path / "pyguard.conf").write_text(
        f"[report]\nsyslog = no\nformat = prometheus\noutput = {target}\n")
    assert report(env, fake_root).stdout == ""
    assert "pyguard_status 0" in target.read_text()


def test_output_through_a_symlink_or_into_a_fifo_never_replaces_them(env, fake_root, tmp_path):
    import threading

    real = tmp_path / "real.prom"
    link = tmp_path / "link.prom"
    link.symlink_to(real)
    assert report(env, fake_root, "--format", "prometheus", "--output", str(link)).returncode == 0
    assert link.is_symlink() and "pyguard_status 0" in real.read_text()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    result = report(env, fake_root, "--format", "nagios", "--output", str(fifo))
    reader.join(30)
    assert result.returncode == 0 and got[0].startswith("PYGUARD OK - ")
    assert fifo.is_fifo()


def test_an_unusable_state_dir_is_exit_3_with_a_message(env, fake_root, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    result = report(env, fake_root, "--state-dir", str(blocker / "state"))
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == f"pyguard: cannot use the state dir {blocker / 'state'}: Not a directory\n"
