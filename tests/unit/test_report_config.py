"""pyguard.conf: report defaults, venv roots and acknowledgements; every mistake names its line."""

import datetime

import pytest

from pyguard.config import Ack, Config, ConfigError, load, parse

GOOD = """\
# pyguard's config
[report]
format = prometheus
output = /var/lib/prometheus/node-exporter/pyguard.prom
syslog = no

[venvs]
roots = /opt /srv/apps

[ack]
; RULE SUBJECT = REASON [; until YYYY-MM-DD]
shadowed-debian-module /usr/local/lib/python3.11/dist-packages:requests = vendor app pins it # ticket 12; until 2027-01-31
pip-in-usr-local * = build hosts need it
"""


def test_a_whole_config_is_read_with_file_and_line_of_each_ack():
    config = parse(GOOD, "/etc/pyguard/pyguard.conf")
    assert config == Config(
        path="/etc/pyguard/pyguard.conf", format="prometheus",
        output="/var/lib/prometheus/node-exporter/pyguard.prom", syslog=False,
        venv_roots=("/opt", "/srv/apps"),
        acks=(Ack("shadowed-debian-module", "/usr/local/lib/python3.11/dist-packages:requests",
                  "vendor app pins it # ticket 12", datetime.date(2027, 1, 31),
                  "/etc/pyguard/pyguard.conf", 12),
              Ack("pip-in-usr-local", "*", "build hosts need it", None,
                  "/etc/pyguard/pyguard.conf", 13)))


def test_acks_match_subjects_exactly_or_by_pattern_and_hold_through_their_last_day():
    config = parse(GOOD, "c")
    ack = config.ack_for("shadowed-debian-module", "/usr/local/lib/python3.11/dist-packages:requests")
    assert ack.line == 12
    assert config.ack_for("shadowed-debian-module", "/usr/local/lib/python3.11/dist-packages:six") is None
    assert config.ack_for("pip-in-usr-local", "/usr/local/bin/pip").line == 13
    assert ack.holds(datetime.date(2027, 1, 31)) and not ack.holds(datetime.date(2027, 2, 1))


@pytest.mark.parametrize("text, message", [
    ("format = json\n", "c line 1: setting before any [section]: 'format = json'"),
    ("[report\n", "c line 1: a section header must look like [name]: '[report'"),
    ("[reports]\n", "c line 1: unknown section [reports] (known: [report], [venvs], [hooks], [ack])"),
    ("[report]\nformat = xml\n",
     "c line 2: format must be one of text, json, prometheus, nagios, not 'xml'"),
    ("[report]\ncolour = yes\n", "c line 2: unknown setting 'colour' in [report] (known: format, output, syslog)"),
    ("[report]\nsyslog = maybe\n", "c line 2: syslog must be yes or no, not 'maybe'"),
    ("[report]\nformat = json\n\nformat = text\n", "c line 4: format is already set on line 2"),
    ("[venvs]\nroots = /opt srv\n",
     "c line 2: venv roots must be absolute paths inside the examined root, not 'srv'"),
    ("[ack]\npep668-marker\n", "c line 2: expected KEY = VALUE, got 'pep668-marker'"),
    ("[ack]\npep668-marker = why\n",
     "c line 2: an acknowledgement is RULE SUBJECT = REASON [; until YYYY-MM-DD]; "
     "'pep668-marker' has no subject (use * for every subject)"),
    ("[ack]\npep668-marker * =\n", "c line 2: acknowledging pep668-marker * needs a reason"),
    ("[ack]\npep668-marker * = why; by 2027-01-01\n",
     "c line 2: after the reason expected '; until YYYY-MM-DD', got 'by 2027-01-01'"),
    ("[ack]\npep668-marker * = why; until 2027-02-30\n",
     "c line 2: after the reason expected '; until YYYY-MM-DD', got 'until 2027-02-30'"),
    ("[ack]\npep668-marker * = a\npep668-marker * = b\n",
     "c line 3: pep668-marker * is already acknowledged on line 2"),
])
def test_each_mistake_is_reported_with_file_and_line(text, message):
    with pytest.raises(ConfigError) as caught:
        parse(text, "c")
    assert str(caught.value) == message


def test_an_ack_of_an_unknown_rule_is_a_typo_named_by_line():
    config = parse("[ack]\n\npep668-marer * = typo\n", "c")
    with pytest.raises(ConfigError) as caught:
        config.check_rules(["pep668-marker"])
    assert str(caught.value) == "c line 3: unknown rule 'pep668-marer' (see pyguard rules)"


def test_missing_default_file_is_empty_but_a_missing_named_file_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("PYGUARD_CONFIG", raising=False)
    monkeypatch.setattr("pyguard.config.DEFAULT_PATH", str(tmp_path / "none.conf"))
    assert load() == Config()
    with pytest.raises(ConfigError) as caught:
        load(str(tmp_path / "missing.conf"))
    assert str(caught.value) == f"{tmp_path / 'missing.conf'}: no such file"
    monkeypatch.setenv("PYGUARD_CONFIG", str(tmp_path / "env.conf"))
    with pytest.raises(ConfigError):
        load()
    (tmp_path / "env.conf").write_text("[venvs]\nroots = /opt\n")
    assert load().venv_roots == ("/opt",)
