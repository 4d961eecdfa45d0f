"""The scheduling files the Debian package installs: they call `pyguard report` and are hardened."""

import configparser
import shutil
import subprocess
from pathlib import Path

CONTRIB = Path(__file__).resolve().parents[2] / "contrib"


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read(CONTRIB / "systemd" / name)
    return parser


def test_service_runs_report_low_priority_read_only_without_network():
    service = unit("pyguard-report.service")
    s = service["Service"]
    assert (s["Type"], s["ExecStart"], s["SuccessExitStatus"]) == ("oneshot", "/usr/bin/pyguard report", "1 2")
    assert (s["Nice"], s["IOSchedulingClass"], s["CPUSchedulingPolicy"]) == ("19", "idle", "batch")
    assert (s["ProtectSystem"], s["StateDirectory"], s["PrivateNetwork"]) == ("strict", "pyguard", "yes")
    assert (s["ProtectHome"], s["NoNewPrivileges"], s["RestrictAddressFamilies"]) == ("read-only", "yes", "AF_UNIX")


def test_timer_is_daily_randomized_and_catches_up():
    t = unit("pyguard-report.timer")["Timer"]
    assert (t["OnCalendar"], t["RandomizedDelaySec"], t["Persistent"]) == ("daily", "2h", "true")
    assert unit("pyguard-report.timer")["Install"]["WantedBy"] == "timers.target"


def test_units_pass_systemd_analyze_verify_when_it_is_there(tmp_path):
    if shutil.which("systemd-analyze") is None:
        return  # checked by the parsing tests above; systemd is not a test dependency
    for name in ("pyguard-report.service", "pyguard-report.timer"):
        shutil.copy(CONTRIB / "systemd" / name, tmp_path / name)
    result = subprocess.run(["systemd-analyze", "verify", "--man=no",
                             str(tmp_path / "pyguard-report.service"),
                             str(tmp_path / "pyguard-report.timer")],
                            capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines()
                if "/usr/bin/pyguard is not executable" not in line]  # not installed here
    assert problems == []


def test_cron_entry_runs_report_only_without_systemd_and_only_when_installed():
    lines = [line for line in (CONTRIB / "cron" / "pyguard").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines[:2] == ["SHELL=/bin/sh",
                         "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    [entry] = lines[2:]
    minute, hour, day, month, weekday, user, command = entry.split(None, 6)
    assert (day, month, weekday, user) == ("*", "*", "*", "root")
    assert 0 <= int(minute) < 60 and 0 <= int(hour) < 24
    assert command == ("[ -d /run/systemd/system ] || [ ! -x /usr/bin/pyguard ] || "
                       "nice -n 19 pyguard report")
