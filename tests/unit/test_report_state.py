"""The pieces of pyguard report: state files, the change diff, the syslog line, the active config."""

import datetime
import os


from pyguard import config as config_module
from pyguard.config import Ack, Config, parse
from pyguard.examine import examine
from pyguard.findings import Finding
from pyguard.report import log, state
from pyguard.report.ack import acknowledge
from pyguard.report.diff import compare
from pyguard.report.model import ReportRun
from pyguard.statedir import state_dir


def finding(rule, subject, severity="error"):
    return Finding(rule, severity, f"{rule} of {subject}", "", subject, (), (), {})


def test_state_dir_for_root_users_and_overrides(monkeypatch):
    monkeypatch.delenv("PYGUARD_STATE_DIR", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert state_dir() == "/var/lib/pyguard"
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("XDG_STATE_HOME", "/home/u/.st")
    assert state_dir() == "/home/u/.st/pyguard"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", "/home/u")
    assert state_dir() == "/home/u/.local/state/pyguard"
    monkeypatch.setenv("PYGUARD_STATE_DIR", "/srv/st")
    assert state_dir() == "/srv/st" and state_dir("/x") == "/x"


def test_each_root_and_format_has_its_own_file():
    assert state.state_file("/var/lib/pyguard", "/") == "/var/lib/pyguard/report-text.json"
    mnt = state.state_file("/var/lib/pyguard", "/mnt", "json")
    assert mnt.startswith("/var/lib/pyguard/report-json-") and len(os.path.basename(mnt)) == 33
    assert mnt != state.state_file("/var/lib/pyguard", "/mnt2", "json")


def test_state_round_trips_odd_bytes_in_subjects(tmp_path):
    path = str(tmp_path / "s.json")
    odd = "/usr/lib/python3/dist-packages:caf\udce9"  # a latin-1 byte in a file name
    saved = state.State("/", 1.5, (state.Recorded("stray-in-dist-packages", odd, "error", "t", True),))
    state.save(path, saved)
    assert state.load(path, "/") == (saved, None)
    assert os.listdir(tmp_path) == ["s.json"]


def test_diff_by_rule_and_subject_and_acks_that_flip():
    today = datetime.date(2026, 6, 1)
    config = Config(acks=(Ack("b", "two", "known", datetime.date(2026, 5, 31)),
                          Ack("c", "*", "known", None)))
    entries = acknowledge([finding("a", "one"), finding("b", "two"), finding("c", "x")], config, today)
    assert [(e.acknowledged, e.expired) for e in entries] == [(False, False), (False, True), (True, False)]
    previous = state.State("/", 0, (state.Recorded("a", "one", "error", "old title", False),
                                    state.Recorded("b", "two", "error", "t", True),
                                    state.Recorded("d", "gone", "warning", "t", False)))
    changes = compare(previous, entries)
    assert [e.key for e in changes.new] == [("c", "x")]
    assert [e.key for e in changes.still_open] == [("a", "one"), ("b", "two")]
    assert [e.key for e in changes.flipped] == [("b", "two")]
    assert [(r.rule, r.subject) for r in changes.resolved] == [("d", "gone")]
    assert changes.changed and not changes.first_run
    quiet = compare(state.State("/", 0, (state.Recorded("a", "one", "error", "t", False),)),
                    entries[:1])
    assert not quiet.changed
    only_acked_new = compare(state.State("/", 0, ()), entries[2:])
    assert not only_acked_new.changed


def test_summary_line_goes_to_syslog_only_when_there_is_dev_log(fake_root, tmp_path, monkeypatch):
    import syslog

    fake_root.remove("/usr/bin/python3")
    run = examine(str(fake_root), config=Config())
    entries = acknowledge(run.report.findings, Config(), datetime.date.today())
    outcome = ReportRun(run, entries, compare(None, entries), 0.0)
    assert log.summary_line(outcome) == (
        f"pyguard report: root={fake_root} status=error errors=1 warnings=0 info=0 "
        "acknowledged=0 new=1 resolved=0 changed=yes")
    calls = []
    monkeypatch.setattr(syslog, "openlog", lambda *a: calls.append(("open",) + a))
    monkeypatch.setattr(syslog, "syslog", lambda *a: calls.append(("log",) + a))
    monkeypatch.setattr(syslog, "closelog", lambda: calls.append(("close",)))
    assert log.log_summary(outcome, str(tmp_path / "no-dev-log")) is False
    assert calls == []
    (tmp_path / "log").touch()
    assert log.log_summary(outcome, str(tmp_path / "log")) is True
    assert calls == [("open", "pyguard", syslog.LOG_PID, syslog.LOG_DAEMON),
                     ("log", syslog.LOG_ERR, log.summary_line(outcome)), ("close",)]


def test_doctor_and_report_make_their_config_the_one_venv_code_reads(fake_root, tmp_path, monkeypatch):
    conf = tmp_path / "pyguard.conf"
    conf.write_text("[venvs]\nroots = /opt /srv\n")
    monkeypatch.setenv("PYGUARD_CONFIG", str(conf))
    try:
        assert examine(str(fake_root)).problem is None
        assert config_module.venv_roots() == ("/opt", "/srv")
        examine(str(fake_root), config=parse("[venvs]\nroots = /home\n"))
        assert config_module.venv_roots() == ("/home",)
        conf.write_text("[venvs]\nroots = home\n")
        bad = examine(str(fake_root))
        assert (bad.exit_code, bad.problem.code) == (3, "bad-config")
        assert bad.problem.message == (f"{conf} line 2: venv roots must be absolute paths inside "
                                       "the examined root, not 'home'")
    finally:
        config_module.activate(Config())


def test_the_documented_config_example_is_valid():
    import textwrap

    doc = config_module.__doc__
    example = textwrap.dedent(doc[doc.index("::\n") + 3:doc.index("\nOnly a whole-line")])
    config = parse(example, "example")
    assert (config.format, config.syslog, config.venv_roots) == ("text", True, ("/opt", "/srv", "/home"))
    assert [(a.rule, a.subject) for a in config.acks] == [
        ("shadowed-debian-module", "/usr/local/lib/python3.11/dist-packages:requests"),
        ("pip-in-usr-local", "*")]


def test_nagios_text_never_holds_a_pipe_and_survives_odd_bytes(fake_root):
    from pyguard.render import nagios

    run = examine(str(fake_root), config=Config())
    odd = Finding("stray-in-dist-packages", "error", "a|b in caf\udce9", "", "x", (), (), {})
    outcome = ReportRun(run, acknowledge([odd], Config(), datetime.date.today()), None, 0.0)
    first, second = nagios.render(outcome).splitlines()
    assert first.startswith(f"PYGUARD CRITICAL - 1 error on {fake_root}: a/b in caf\\xe9 | errors=1;;;0")
    assert second == "ERROR: a/b in caf\\xe9 [stray-in-dist-packages]"
