"""Venv snapshots on real roots: the packaged report command records a venv on bookworm; after
the upgrade to trixie, with part of its metadata gone, venv-broken's repair rebuilds exactly the
recorded set.

The upgrade is made as in test_venvs: what an upgrade keeps (the venv under /srv and pyguard's
state under /var/lib/pyguard) is carried, file for file, from the bookworm root into a real trixie
root, where python3.11 does not exist. pip inside the roots installs from /root/wheels only,
through /etc/pip.conf.
"""

from __future__ import annotations

import hashlib
import json
import shlex

from .realroot import RealRoot, assert_undo_restores, carry, changed_files, doctor, heal
from .test_report import PROJECT, cron_command, install_pyguard

PIP_CONF = "[global]\nno-index = true\nfind-links = /root/wheels\n"
PINS = ("six==1.17.0", "attrs==24.2.0", "idna==3.10", "certifi==2024.8.30", "urllib3==2.2.3")
SNAPSHOT = f"/var/lib/pyguard/venvs/{hashlib.sha256(b'/srv/app').hexdigest()}.json"
GONE = ("six-1.17.0.dist-info", "idna-3.10.dist-info")
"""dist-info dirs the half-finished upgrade lost: the metadata alone no longer names them."""


def service_command() -> str:
    """ExecStart of contrib/systemd/pyguard-report.service, the command the timer runs."""
    lines = (PROJECT / "contrib/systemd/pyguard-report.service").read_text().splitlines()
    starts = [line.partition("=")[2] for line in lines if line.startswith("ExecStart=")]
    assert len(starts) == 1
    return starts[0]


def freeze(root: RealRoot, *args: str) -> list:
    return sorted(root.run(f"/srv/app/bin/python -m pip freeze {' '.join(args)}").stdout.split())


def test_snapshot_of_a_bookworm_venv_rebuilds_it_after_the_upgrade(real_root, pinned_wheels):
    old = real_root("bookworm")
    install_pyguard(old)
    pinned_wheels(old)
    old.write("/etc/pip.conf", PIP_CONF)
    old.run("python3 -m venv /srv/app && /srv/app/bin/pip install -q " + " ".join(PINS))
    held = freeze(old, "--all")

    # the packaged entries: cron's line and the systemd service run the same `pyguard report`
    cron, service = cron_command(), service_command()
    assert shlex.split(service)[1:] == shlex.split(cron)[-len(shlex.split(service)) + 1:] == \
        ["report"]
    for command in (cron, service):
        run = old.run(command, check=False)
        assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    doc = json.loads(old.host(SNAPSHOT).read_text())
    made = old.run("sed -n 's/^version = //p' /srv/app/pyvenv.cfg").stdout.strip()
    assert (doc["format"], doc["root"], doc["venv"], doc["python"], doc["home"]) == (
        "pyguard-venv-snapshot/1", "/", "/srv/app", made, "/usr/bin")
    assert sorted(f"{p['name']}=={p['version']}" for p in doc["packages"]) == held
    assert doc["requirements"] == sorted(PINS)  # pip and setuptools come from python3 -m venv
    mode = old.run(f"stat -c %a {SNAPSHOT} /var/lib/pyguard/venvs").stdout.split()
    assert mode == ["600", "700"]

    # the upgrade: python3.11 goes, the venv and pyguard's state stay; some metadata is lost
    root = real_root("trixie")
    pinned_wheels(root)
    root.write("/etc/pip.conf", PIP_CONF)
    carry(old, root, "/srv/app", "/var/lib/pyguard/venvs")
    site = "/srv/app/lib/python3.11/site-packages"
    root.run("rm -r " + " ".join(f"{site}/{d}" for d in GONE))
    probe = root.run("/srv/app/bin/python -c 'import attr'", check=False)
    assert probe.returncode == 1 and "ModuleNotFoundError" in probe.stderr

    code, envelope = doctor(root)
    source = f"as recorded on {doc['date']}"
    assert (code, envelope["findings"], envelope.get("notes", [])) == (1, [{
        "rule": "venv-broken",
        "severity": "warning",
        "title": "virtual environment /srv/app is broken",
        "detail": f"/srv/app was made with Python {made}, but /srv/app/bin/python3 now runs "
                  "Python 3.13 (/usr/bin/python3.13), which does not look in "
                  f"{site}. Programs run from it fail to start or no longer find what was "
                  f"installed there, {source}: attrs 24.2.0, certifi 2024.8.30, idna 3.10, "
                  "six 1.17.0, urllib3 2.2.3.",
        "subject": "/srv/app",
        "paths": ["/srv/app/pyvenv.cfg", "/srv/app/bin/python3"],
        "repair": [
            {"command": "mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf "
                        "\"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/venv-srv-app.XXXXXX)\" "
                        "srv/app",
             "note": "move the broken venv aside (kept in /var/lib/pyguard/aside)"},
            {"command": "/usr/bin/python3 -m venv /srv/app && /srv/app/bin/python -m pip install "
                        "--no-cache-dir " + " ".join(sorted(PINS)),
             "note": "make the venv anew with Debian's python3 (seeing Debian's packages if it did "
                     f"before) and install the projects it held at the same versions, {source}"},
        ],
    }], [])

    before = changed_files(root)
    heal(root, envelope)
    code, after = doctor(root)
    assert (code, after["findings"], after["errors"]) == (0, [], [])
    assert freeze(root) == doc["requirements"]
    root.run("/srv/app/bin/python -c 'import six, attr, idna, certifi, urllib3'")
    assert_undo_restores(root, before)
