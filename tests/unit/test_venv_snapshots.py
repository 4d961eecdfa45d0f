"""Venv snapshots: `pyguard report` records what healthy venvs hold; venv-broken's repair
rebuilds a broken venv from its snapshot when there is one (pyguard.report.snapshots writes them,
pyguard.facts.snapshots reads them)."""

import datetime
import json
import os
import stat
import time

import pytest

from fakeroot_venvs import make_venv
from pyguard.config import Config
from pyguard.facts.snapshots import snapshot_dir, snapshot_name
from pyguard.report import snapshots
from pyguard.report.run import report

SIX_ATTRS = [("six", "1.17.0", ["six"]), ("attrs", "24.2.0", ["attr", "attrs"])]
LOCAL = "/usr/local/bin/python3.11"
DAY = 86400


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.delenv("PYGUARD_VENV_ROOTS", raising=False)
    monkeypatch.setenv("PYGUARD_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def state(tmp_path):
    return str(tmp_path / "state")


def run_report(root, state, fmt="text"):
    outcome, messages = report(str(root.path), Config(syslog=False), state, fmt,
                               today=datetime.date(2026, 11, 24))
    assert outcome.examination.problem is None
    return messages


def snapshot_file(root, state, venv):
    return os.path.join(snapshot_dir(state, os.path.realpath(root.path)),
                        snapshot_name(venv))


def app(root, path="/srv/app", packages=SIX_ATTRS):
    """A venv made with a Python in /usr/local, which can later be removed to break it."""
    root.write(LOCAL, b"\x7fELF copy")
    root.mkdir("/usr/lib/python3.11/ensurepip")
    return make_venv(root, path, caller=LOCAL, packages=packages)


def today():
    return time.strftime("%Y-%m-%d")


def test_snapshot_dir_is_per_root_like_the_report_state():
    assert snapshot_dir("/var/lib/pyguard", "/") == "/var/lib/pyguard/venvs"
    mnt = snapshot_dir("/var/lib/pyguard", "/mnt")
    assert mnt.startswith("/var/lib/pyguard/venvs-") and len(os.path.basename(mnt)) == 22
    assert mnt != snapshot_dir("/var/lib/pyguard", "/mnt2")
    import hashlib
    assert snapshot_name("/srv/app") == \
        hashlib.sha256(b"/srv/app").hexdigest() + ".json"


def test_report_records_healthy_venvs_only(fake_root, state):
    app(fake_root)
    make_venv(fake_root, "/opt/gone", caller="/usr/local/bin/python3.9")  # broken
    assert run_report(fake_root, state) == []
    directory = snapshot_dir(state, os.path.realpath(fake_root.path))
    assert sorted(os.listdir(directory)) == [snapshot_name("/srv/app")]
    path = snapshot_file(fake_root, state, "/srv/app")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    doc = json.loads(open(path).read())
    assert doc["format"] == "pyguard-venv-snapshot/1"
    assert (doc["root"], doc["venv"], doc["python"], doc["date"]) == (
        os.path.realpath(fake_root.path), "/srv/app", "3.11.2", today())
    assert (doc["home"], doc["include_system_site_packages"], doc["interpreter"]) == (
        "/usr/local/bin", False, LOCAL)
    assert [(p["name"], p["version"], p["requirement"]) for p in doc["packages"]] == [
        ("attrs", "24.2.0", "attrs==24.2.0"), ("pip", "23.0.1", "pip==23.0.1"),
        ("setuptools", "66.1.1", "setuptools==66.1.1"), ("six", "1.17.0", "six==1.17.0")]
    assert doc["requirements"] == ["attrs==24.2.0", "six==1.17.0"]


def test_stateless_formats_record_too(fake_root, state):
    app(fake_root)
    run_report(fake_root, state, fmt="prometheus")
    assert os.path.isfile(snapshot_file(fake_root, state, "/srv/app"))


def test_a_snapshot_is_replaced_atomically_or_not_at_all(fake_root, state, monkeypatch):
    app(fake_root)
    run_report(fake_root, state)
    path = snapshot_file(fake_root, state, "/srv/app")
    before = open(path).read()
    fake_root.pip_install("/srv/app/lib/python3.11/site-packages", "idna", "3.10", ["idna"])

    def failing_fsync(fd):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:  # undo() would drop the conftest's cache dir too
        patched.setattr(os, "fsync", failing_fsync)
        messages = snapshots.record_root(str(fake_root.path), None, state)
    assert messages == [f"pyguard: cannot write the snapshot of the venv /srv/app in "
                        f"{os.path.dirname(path)}: No space left on device"]
    assert open(path).read() == before
    assert os.listdir(os.path.dirname(path)) == [os.path.basename(path)]  # no temp file left
    assert snapshots.record_root(str(fake_root.path), None, state) == []
    assert "idna==3.10" in json.loads(open(path).read())["requirements"]


def broken_finding(root, source, held, requirements):
    venv = "/srv/app"
    return {
        "rule": "venv-broken",
        "severity": "warning",
        "title": f"virtual environment {venv} is broken",
        "detail": f"{venv} was made with Python 3.11.2, but its interpreter {venv}/bin/python3 "
                  f"leads to {LOCAL}, which does not exist. Programs run from it fail to start "
                  f"or no longer find what was installed there, {source}: {held}.",
        "subject": venv,
        "paths": [f"{venv}/pyvenv.cfg", f"{venv}/bin/python3"],
        "repair": [
            ("mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf \"$(mktemp "
             "--suffix=.tar.gz /var/lib/pyguard/aside/venv-srv-app.XXXXXX)\" srv/app",
             "move the broken venv aside (kept in /var/lib/pyguard/aside)"),
            (f"/usr/bin/python3 -m venv {venv} && {venv}/bin/python -m pip install "
             f"--no-cache-dir {requirements}",
             "make the venv anew with Debian's python3 (seeing Debian's packages if it did "
             "before) and install the projects it held at the same versions, " + source),
        ],
    }


def break_app(root):
    """The Python it was made with goes, and so does part of its metadata."""
    root.remove(LOCAL)
    root.remove("/srv/app/lib/python3.11/site-packages/six-1.17.0.dist-info")


def test_the_repair_installs_the_recorded_set_when_metadata_is_gone(fake_root, state, doctor):
    app(fake_root)
    run_report(fake_root, state)
    break_app(fake_root)
    report_ = doctor.report(fake_root)
    assert report_.notes == ()
    assert [f for f in doctor(fake_root)] == [broken_finding(
        fake_root, f"as recorded on {today()}", "attrs 24.2.0, six 1.17.0",
        "attrs==24.2.0 six==1.17.0")]
    # the report does not overwrite the snapshot of a broken venv
    run_report(fake_root, state)
    assert "six==1.17.0" in open(snapshot_file(fake_root, state, "/srv/app")).read()


def test_a_snapshot_of_metadata_a_user_can_change_is_not_installed_as_root(fake_root, state,
                                                                            doctor):
    """A snapshot names projects as their metadata said: where bob owns some of root's venv's
    metadata, what was recorded from it may be his choice, and stays out of root's rebuild."""
    fake_root.passwd([("bob", 1001, "/home/bob")])
    site = app(fake_root)
    fake_root.pip_install(site, "reqeusts", "6.6.6", top_level=["reqeusts"], python="3.11")
    for name in os.listdir(fake_root.host(f"{site}/reqeusts-6.6.6.dist-info")):
        os.lchown(fake_root.host(f"{site}/reqeusts-6.6.6.dist-info/{name}"), 1001, 1001)
    run_report(fake_root, state)
    break_app(fake_root)
    finding = broken_finding(fake_root, f"as recorded on {today()}",
                             "no projects besides pip and setuptools", "")
    finding["repair"][-1] = (
        "/usr/bin/python3 -m venv /srv/app", finding["repair"][-1][1] + "".join(
            f"; left out: {name}, recorded from metadata in {site}, some of which the venv's owner "
            "does not control (bob can change it) (install it by hand as whoever should run its "
            "build)" for name in ("attrs 24.2.0", "reqeusts 6.6.6", "six 1.17.0")))
    assert doctor(fake_root) == [finding]


def test_without_a_snapshot_the_metadata_is_read(fake_root, doctor):
    app(fake_root)
    break_app(fake_root)
    assert doctor(fake_root) == [broken_finding(
        fake_root, "read from its metadata", "attrs 24.2.0", "attrs==24.2.0")]


@pytest.mark.parametrize("content, why", [
    (b"{\"format\": \"pyguard-venv-snapshot/1\", \"root\"", "it is not JSON: "),
    (b"[]", "it is not a pyguard venv snapshot (pyguard-venv-snapshot/1)"),
    (None, "its content is damaged (ValueError: '--index-url=https://evil.example/simple' is "
           "not a requirement pyguard writes)"),
    ("other", "it is the snapshot of '/srv/other' in "),
])
def test_a_corrupt_snapshot_is_noted_and_the_metadata_used(fake_root, state, doctor, content, why):
    app(fake_root)
    run_report(fake_root, state)
    path = snapshot_file(fake_root, state, "/srv/app")
    if content is None:  # a snapshot that would hand pip an option
        doc = json.loads(open(path).read())
        doc["packages"][0]["requirement"] = "--index-url=https://evil.example/simple"
        content = json.dumps(doc).encode()
    elif content == "other":
        doc = json.loads(open(path).read())
        doc["venv"] = "/srv/other"
        content = json.dumps(doc).encode()
    with open(path, "wb") as f:
        f.write(content)
    break_app(fake_root)
    report_ = doctor.report(fake_root)
    assert [(n.code, n.path) for n in report_.notes] == [("venv-snapshot", path)]
    message = report_.notes[0].message
    assert message.startswith(f"not used ({why}") and \
        message.endswith("; the venv's metadata is used instead")
    assert doctor(fake_root) == [broken_finding(
        fake_root, "read from its metadata", "attrs 24.2.0", "attrs==24.2.0")]


def test_a_snapshot_of_a_venv_made_since_with_another_python_is_not_used(fake_root, state, doctor):
    app(fake_root)
    run_report(fake_root, state)
    cfg = fake_root.read("/srv/app/pyvenv.cfg").replace("version = 3.11.2", "version = 3.11.4")
    fake_root.write("/srv/app/pyvenv.cfg", cfg)
    break_app(fake_root)
    report_ = doctor.report(fake_root)
    assert [(n.code, n.message) for n in report_.notes] == [(
        "venv-snapshot", "not used: it is of a venv made with Python 3.11.2, but /srv/app was "
                         "made with Python 3.11.4 since; the venv's metadata is used instead")]


def test_the_roots_own_snapshot_is_found_and_the_newer_one_wins(fake_root, state, doctor):
    """A rescue system examining a disk whose own timer ran `pyguard report` on /."""
    app(fake_root)
    run_report(fake_root, state)
    host = snapshot_file(fake_root, state, "/srv/app")
    doc = json.loads(open(host).read())
    own = dict(doc, root="/", date="2026-01-02", time=doc["time"] + 10)
    own["packages"] = [p for p in doc["packages"] if p["name"] != "attrs"]
    fake_root.write(f"/var/lib/pyguard/venvs/{snapshot_name('/srv/app')}",
                    json.dumps(own))
    os.unlink(host)
    break_app(fake_root)
    assert doctor(fake_root) == [broken_finding(
        fake_root, "as recorded on 2026-01-02", "six 1.17.0", "six==1.17.0")]
    with open(host, "w") as f:  # the host's, newer
        json.dump(dict(doc, time=doc["time"] + 20), f)
    assert doctor(fake_root)[0]["repair"][1][0] == (
        "/usr/bin/python3 -m venv /srv/app && /srv/app/bin/python -m pip install --no-cache-dir "
        "attrs==24.2.0 six==1.17.0")


def test_snapshots_of_vanished_venvs_are_pruned_after_90_days(fake_root, state):
    app(fake_root)
    app(fake_root, "/srv/old")
    app(fake_root, "/srv/recent")
    app(fake_root, "/srv/broken")
    run_report(fake_root, state)
    now = time.time()
    files = {v: snapshot_file(fake_root, state, v)
             for v in ("/srv/app", "/srv/old", "/srv/recent", "/srv/broken")}
    for path in files.values():
        os.utime(path, (now - 100 * DAY, now - 100 * DAY))
    os.utime(files["/srv/recent"], (now - 80 * DAY, now - 80 * DAY))
    corrupt = os.path.join(os.path.dirname(files["/srv/app"]), "0" * 64 + ".json")
    with open(corrupt, "w") as f:
        f.write("{")
    os.utime(corrupt, (now - 100 * DAY, now - 100 * DAY))
    killed = os.path.join(os.path.dirname(corrupt), ".x.json.abc.tmp")  # from a killed run
    with open(killed, "w") as f:
        f.write("{")
    os.utime(killed, (now - 2 * DAY, now - 2 * DAY))
    fake_root.remove("/srv/old")
    fake_root.remove("/srv/recent")
    fake_root.remove("/srv/broken/bin/python3")  # broken: kept, whatever its age
    before = open(files["/srv/broken"]).read()
    assert snapshots.record_root(str(fake_root.path), None, state) == []
    left = set(os.listdir(os.path.dirname(files["/srv/app"])))
    assert left == {os.path.basename(files[v]) for v in ("/srv/app", "/srv/recent", "/srv/broken")}
    assert open(files["/srv/broken"]).read() == before
    assert os.stat(files["/srv/broken"]).st_mtime >= now - 5  # seen to exist today


def test_a_state_dir_that_cannot_be_used_is_said_but_does_not_fail_the_report(fake_root, tmp_path):
    app(fake_root)
    blocker = tmp_path / "file"
    blocker.write_text("")
    messages = snapshots.record_root(str(fake_root.path), None, str(blocker))
    assert len(messages) == 1 and messages[0].startswith(
        f"pyguard: cannot keep venv snapshots in {blocker}/venvs-")


def test_a_corrupt_snapshot_in_the_roots_own_state_is_noted_by_its_path_inside(fake_root, doctor):
    app(fake_root)
    own = f"/var/lib/pyguard/venvs/{snapshot_name('/srv/app')}"
    fake_root.write(own, "\x00garbage")
    break_app(fake_root)
    report_ = doctor.report(fake_root)
    assert [(n.code, n.path, n.message[:22]) for n in report_.notes] == [
        ("venv-snapshot", own, "not used (it is not JS")]
    assert doctor(fake_root) == [broken_finding(
        fake_root, "read from its metadata", "attrs 24.2.0", "attrs==24.2.0")]
