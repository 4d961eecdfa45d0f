"""The trust boundary on real roots: what a real unprivileged user writes never steers root.

Each test adds a real user (useradd, uid 1000) to a fresh overlay, lets her prepare an attack
with her own processes (runuser), then runs pyguard doctor and fix as root, as an admin would.
Root's files must be untouched afterwards, none of her code may have run with euid 0, and no
raw control byte she wrote may reach the text output.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import time
from pathlib import Path
from typing import Dict

from . import realroot
from .realroot import RealRoot, assert_healed, doctor, pyguard, version_of
from .test_shadowing import make_wheel

ROOTS_FILES = ("/etc/shadow", "/etc/passwd", "/root/.ssh/authorized_keys", "/etc/group")
BUILD_WHEELS = Path("/var/cache/pyguard-test-wheels-shadowing")
ASIDE = '"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/{}.XXXXXX)"'


def add_alice(root: RealRoot) -> None:
    root.run("useradd -m -u 1000 -s /bin/bash alice")
    root.run("mkdir -p /root/.ssh && echo 'ssh-ed25519 AAAA admin@host' > "
             "/root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys")


def as_alice(root: RealRoot, command: str, check: bool = True) -> subprocess.CompletedProcess:
    return root.run(f"runuser -u alice -- sh -c {shlex.quote(command)}", check=check)


def fingerprint(root: RealRoot) -> Dict[str, tuple]:
    """Inode, mode, owner and sha256 of root's own files, to see that none was touched."""
    out = {}
    for inside in ROOTS_FILES:
        st = os.lstat(root.host(inside))
        out[inside] = (st.st_ino, st.st_mode, st.st_uid,
                       hashlib.sha256(root.host(inside).read_bytes()).hexdigest())
    return out


def alices_six(root: RealRoot, files: Dict[str, str]) -> str:
    """alice's `pip install --user` of a six wheel holding `files`; returns her site."""
    add_alice(root)
    make_wheel(root.host("/tmp/wheels"), "six", "1.17.0", files)
    root.run("chmod -R a+rX /tmp/wheels")
    as_alice(root, "python3 -m pip install --user --break-system-packages --no-index "
                   "/tmp/wheels/six-1.17.0-py3-none-any.whl")
    return f"/home/alice/.local/lib/python{version_of(root)}/site-packages"


def test_a_users_record_naming_roots_files_moves_only_her_own(real_root) -> None:
    """needrestart's lesson for RECORD: absolute, .., through her symlinks, by hard link."""
    root = real_root("bookworm")
    site = alices_six(root, {"six.py": "'''six from PyPI'''\n"})
    dist = f"{site}/six-1.17.0.dist-info"
    linked = as_alice(root, f"ln /etc/passwd {site}/hl", check=False).returncode == 0
    as_alice(root, f"cd {site} && ln -s /etc evil && ln -s /root rootdir && "
                   "printf '%s\\n' /etc/shadow,, ../../../../../../root/.ssh/authorized_keys,, "
                   f"evil/shadow,, rootdir/.ssh/authorized_keys,, {'hl,,' if linked else ''} "
                   f">> {dist}/RECORD")
    before = fingerprint(root)
    code, envelope = doctor(root)
    mine = [f"{dist}", f"{site}/six.py"] + ([f"{site}/hl"] if linked else [])
    assert code == 1
    assert envelope["findings"] == [{
        "rule": "record-outside-installation",
        "severity": "warning",
        "title": f"six 1.17.0 in {site} lists files outside its installation",
        "detail": f"{dist}/RECORD names /etc/shadow, ../../../../../../root/.ssh/authorized_keys, "
                  f"{site}/evil/shadow, {site}/rootdir/.ssh/authorized_keys, outside the "
                  "directories this installation of six 1.17.0 could have written (its prefix "
                  "/home/alice/.local, controlled by alice). pyguard acts on none of them, and "
                  "neither may anyone else: \"pip uninstall\" run as root deletes every file "
                  "RECORD lists.",
        "subject": dist,
        "paths": [f"{dist}/RECORD"],
        "repair": [{"command": "mkdir -p /var/lib/pyguard/aside && runuser -u alice -- tar -C / "
                               f"--remove-files -czf - {dist.lstrip('/')} > "
                               + ASIDE.format("six-1.17.0-record"),
                    "note": "move the metadata with its RECORD aside (kept in "
                            "/var/lib/pyguard/aside)"}],
    }, {
        "rule": "shadowed-debian-module-user",
        "severity": "warning",
        "title": f"six 1.17.0 in alice's {site} hides Debian's six",
        "detail": f"{site} comes before /usr/lib/python3/dist-packages on alice's sys.path, so "
                  "every Python program alice runs, Debian's desktop tools included, imports six "
                  "from six 1.17.0 there instead of the version python3-six was built and tested "
                  "with. Debian packages that depend on it: python3-urllib3.",
        "subject": f"{site}:six",
        "paths": mine,
        "repair": [{"command": "mkdir -p /var/lib/pyguard/aside && runuser -u alice -- tar -C / "
                               "--remove-files -czf - "  # her metadata went with the step before
                               + " ".join(p.lstrip("/") for p in mine[1:]) + " > "
                               + ASIDE.format("six-1.17.0"),
                    "note": "move the shadowing copy aside (kept in /var/lib/pyguard/aside)"}],
    }]
    assert_healed(root, envelope,
                  "runuser -u alice -- python3 -c 'import six; "
                  "assert six.__file__.startswith(\"/usr/lib/python3/\")'")
    assert fingerprint(root) == before


def _broken_venv_of_alice(root: RealRoot, venv: str, owner: str) -> None:
    """A venv whose interpreter is gone, with an editable install of alice's project."""
    v = version_of(root)
    root.run(f"install -d -o {owner} -g {owner} {venv}")
    run = (lambda c: as_alice(root, c)) if owner == "alice" else root.run
    run(f"python3 -m venv --without-pip {venv}")
    info = f"{venv}/lib/python{v}/site-packages/proj-0.1.dist-info"
    run(f"mkdir -p {info} && printf 'Metadata-Version: 2.1\\nName: proj\\nVersion: 0.1\\n' > "
        f"{info}/METADATA && echo pip > {info}/INSTALLER && : > {info}/RECORD && "
        f"""printf '%s' '{{"url": "file:///home/alice/proj", "dir_info": {{"editable": true}}}}' """
        f"> {info}/direct_url.json && ln -sfn /opt/gone/python3 {venv}/bin/python3")


def _alices_project(root: RealRoot) -> None:
    """Her project: building it records who built it, as a build script of hers could do worse."""
    as_alice(root, "mkdir -p ~/proj/proj && echo 'x = 1' > ~/proj/proj/__init__.py && printf "
                   "'[build-system]\\nrequires = [\"setuptools>=61\"]\\nbuild-backend = "
                   "\"setuptools.build_meta\"\\n[project]\\nname = \"proj\"\\nversion = \"0.1\"\\n'"
                   " > ~/proj/pyproject.toml && printf 'import os\\nfrom setuptools import setup\\n"
                   "open(\"/tmp/proj-built-by-%%d\" %% os.geteuid(), \"w\").close()\\nsetup()\\n' "
                   "> ~/proj/setup.py")


def test_a_users_venv_is_rebuilt_by_her_and_her_build_never_runs_as_root(real_root) -> None:
    root = real_root("bookworm")
    v = version_of(root)
    add_alice(root)
    wheels = realroot.download_wheels(v, pins=("setuptools==75.1.0",), cache=BUILD_WHEELS)
    realroot.copy_wheels(root, wheels, "/tmp/wheels")
    root.run("chmod -R a+rX /tmp/wheels")
    _alices_project(root)
    as_alice(root, "mkdir -p ~/.config/pip && printf '[global]\\nno-index = true\\n"
                   "find-links = /tmp/wheels\\n' > ~/.config/pip/pip.conf")
    _broken_venv_of_alice(root, "/srv/alice-app", "alice")  # /srv is root's: emptied, kept
    _broken_venv_of_alice(root, "/srv/root-app", "root")    # root's venv, her source
    _broken_venv_of_alice(root, "/srv/shared-app", "root")  # root's venv, her metadata too:
    evil = f"/srv/shared-app/lib/python{v}/site-packages/evil-6.6.6.dist-info"
    root.host(evil).mkdir()  # the admin let her keep a project's files there
    (root.host(evil) / "METADATA").write_text("Metadata-Version: 2.1\nName: evil\nVersion: 6.6.6\n")
    (root.host(evil) / "RECORD").write_text("")
    (root.host(evil) / "direct_url.json").write_text(json.dumps({
        "url": "https://example.org/alice/evil.git",
        "vcs_info": {"vcs": "git", "commit_id": "deadbeef"}}))
    root.run(f"chown alice: {evil}/*")  # her files in root's directory: hers to write, not move
    before = fingerprint(root)
    code, envelope = doctor(root)
    assert code == 1
    steps = {f["subject"]: [s["command"] for s in f["repair"]] for f in envelope["findings"]}
    notes = {f["subject"]: f["repair"][-1]["note"] for f in envelope["findings"]}
    assert steps == {
        "/srv/alice-app": [
            "mkdir -p /var/lib/pyguard/aside && runuser -u alice -- tar -C /srv/alice-app -czf - . "
            f"> {ASIDE.format('venv-srv-alice-app')} && runuser -u alice -- find /srv/alice-app "
            "-mindepth 1 -delete",
            "runuser -u alice -- /usr/bin/python3 -m venv /srv/alice-app && runuser -u alice -- "
            "/srv/alice-app/bin/python -m pip install --no-cache-dir --editable=/home/alice/proj"],
        **{f"/srv/{app}": [
            "mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf "
            f"{ASIDE.format(f'venv-srv-{app}')} srv/{app}",
            f"/usr/bin/python3 -m venv /srv/{app}"] for app in ("root-app", "shared-app")},
    }
    source = ("; left out: proj 0.1, whose source /home/alice/proj the venv's owner does not "
              "control (alice can change it) (install it by hand as whoever should run its build)")
    assert (notes["/srv/root-app"].endswith(source), notes["/srv/shared-app"].endswith(
        f"; left out: evil 6.6.6, whose metadata {evil} the venv's owner does not control (alice "
        f"can change it) (install it by hand as whoever should run its build){source}")) == (
        True, True)
    assert_healed(root, envelope, "runuser -u alice -- /srv/alice-app/bin/python -c 'import proj'",
                  "/srv/root-app/bin/python -c pass", "/srv/shared-app/bin/python -c pass")
    built = sorted(p.name for p in root.host("/tmp").glob("proj-built-by-*"))
    assert built == ["proj-built-by-1000"]  # built by alice, never by root
    assert fingerprint(root) == before


def test_roots_venv_with_a_directory_of_hers_is_not_taken_away_by_root(real_root) -> None:
    """tar --remove-files unlinks what it archived by path (unlinkat(dirfd, "srv/app/her/x/y")):
    with a directory of hers inside root's venv she could swap x for a link to /etc between the
    archive and the unlink. pyguard offers no repair there and fix leaves the venv as it is."""
    root = real_root("bookworm")
    v = version_of(root)
    add_alice(root)
    _broken_venv_of_alice(root, "/srv/root-app", "root")
    hers = f"/srv/root-app/lib/python{v}/site-packages/hers"
    root.run(f"install -d -o alice -g alice {hers}")
    as_alice(root, f"mkdir -p {hers}/sub && echo mine > {hers}/sub/shadow")
    before = fingerprint(root)
    code, envelope = doctor(root)
    [found] = envelope["findings"]
    assert (code, found["rule"], found["repair"], found["detail"].endswith(
        "pyguard offers no repair: directories inside it are not its owner's alone, and whoever "
        "else controls one could redirect the removal of the files below it; set it aside by "
        "hand")) == (1, "venv-broken", [], True)
    fixed = pyguard(root, "fix", "--yes")
    assert (fixed.returncode, root.run(f"cat {hers}/sub/shadow").stdout) == (1, "mine\n")
    assert fingerprint(root) == before


def test_her_names_reach_roots_terminal_escaped(real_root) -> None:
    """ESC ] title, clear screen, hidden text, bidi override and a forged span in a Name."""
    root = real_root("trixie")
    v = version_of(root)
    add_alice(root)
    site = f"/home/alice/.local/lib/python{v}/site-packages"
    evil = "six\x1b]0;owned\x07\x1f\x1b[2J\x1b[8m\u202e"
    as_alice(root, f"mkdir -p {site}/six-9.dist-info && echo 'x = 1' > {site}/six.py")
    (root.host(f"{site}/six-9.dist-info/METADATA")).write_text(
        f"Metadata-Version: 2.1\nName: {evil}\nVersion: 9\n")
    os.chown(root.host(f"{site}/six-9.dist-info/METADATA"), 1000, 1000)
    as_alice(root, f"printf 'six.py,,\\n' > {site}/six-9.dist-info/RECORD")
    text = pyguard(root, "doctor")
    plan = pyguard(root, "fix", "--dry-run")
    for result in (text, plan):
        assert result.returncode == 1, result
        printed = result.stdout + result.stderr
        assert not set(printed) & {chr(c) for c in (*range(0, 10), *range(11, 32), 127)}, printed
        assert "\u202e" not in printed
        assert "six\\x1b]0;owned\\x07\\x1f\\x1b[2J\\x1b[8m\\u202e 9 in alice's" in printed
    code, envelope = doctor(root)
    assert envelope["findings"][0]["title"] == f"{evil} 9 in alice's {site} hides Debian's six"


def test_a_repair_naming_her_odd_name_pasted_from_roots_terminal_moves_that_very_file(
        real_root) -> None:
    """A byte that is not UTF-8 and an ESC in a directory's name: shown escaped inside the
    quotes, the line named another file once pasted; now sh's printf gives the bytes back."""
    root = real_root("trixie")
    v = version_of(root)
    add_alice(root)
    site = f"/home/alice/.local/lib/python{v}/site-packages"
    as_alice(root, f"mkdir -p {site} && echo 'x = 1' > {site}/six.py")
    odd = os.fsencode(str(root.host(site))) + b"/six\xff\x1b-9.dist-info"
    os.mkdir(odd)
    for name, text in ((b"METADATA", b"Metadata-Version: 2.1\nName: six\nVersion: 9\n"),
                       (b"RECORD", b"six.py,,\n")):
        with open(odd + b"/" + name, "wb") as f:
            f.write(text)
        os.chown(odd + b"/" + name, 1000, 1000)
    os.chown(odd, 1000, 1000)
    text = pyguard(root, "doctor")
    assert text.returncode == 1, text
    steps = [line.split(". ", 1)[1] for line in text.stdout.splitlines()
             if line.startswith("    1. ")]
    assert steps == [f"chroot {root.path} /bin/sh -c " + shlex.quote(
        "mkdir -p /var/lib/pyguard/aside && runuser -u alice -- tar -C / --remove-files -czf - "
        f"home/alice/.local/lib/python{v}/site-packages/six\"$(printf '\\377\\033')\"-9.dist-info "
        f"home/alice/.local/lib/python{v}/site-packages/six.py > \"$(mktemp --suffix=.tar.gz "
        "/var/lib/pyguard/aside/six-9.XXXXXX)\"")]
    pasted = subprocess.run(["bash", "-c", steps[0]], capture_output=True)
    assert (pasted.returncode, pasted.stderr) == (0, b"")
    assert not os.path.lexists(odd) and not root.host(f"{site}/six.py").exists()
    archive = f"{root.path}/var/lib/pyguard/aside/six-9.*"
    listed = subprocess.run(f"tar --quoting-style=literal -tzf {archive}", shell=True,
                            capture_output=True, check=True).stdout.split(b"\n")
    assert odd[len(os.fsencode(str(root.path))) + 1:] + b"/METADATA" in listed
    code, envelope = doctor(root)
    assert (code, envelope["findings"]) == (0, [])


def test_a_swapped_directory_never_leads_root_outside_her_tree(real_root) -> None:
    """While doctor and fix run, she swaps a directory of her site for a link to /root and back,
    as fast as she can; root's files stay untouched and nothing outside her tree goes aside."""
    root = real_root("bookworm")
    site = alices_six(root, {"six/__init__.py": "'''six'''\n", "six/moves.py": "x = 1\n"})
    before = fingerprint(root)
    swapper = subprocess.Popen(
        ["chroot", "--userspec=1000:1000", str(root.path), "/bin/sh", "-c",
         f"cd {site} && end=$(( $(date +%s) + 60 )); while [ $(date +%s) -lt $end ]; do "
         "mv six six.real && ln -s /root six && rm six && mv six.real six; done"],
        env=dict(realroot.CHROOT_ENV), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 50
        while time.monotonic() < deadline:
            doctor(root)
            fixed = pyguard(root, "fix", "--yes", "--format", "json")
            if fixed.returncode == 0 and not root.host(f"{site}/six").exists():
                break
    finally:
        swapper.kill()
        swapper.wait()
    assert fingerprint(root) == before
    for manifest in root.host("/var/lib/pyguard/undo").glob("*/manifest.json"):
        kept = [e["path"] for e in json.loads(manifest.read_text())["entries"]]
        assert all(p.startswith("/home/alice/") for p in kept), kept


def test_undo_never_follows_a_link_she_put_where_her_files_were(real_root) -> None:
    """Her moved-aside `shadow` file must not come back through her site turned into /etc."""
    root = real_root("bookworm")
    site = alices_six(root, {"six.py": "'''six'''\n", "shadow": "root::19000:0:99999:7:::\n"})
    before = fingerprint(root)
    code, envelope = doctor(root)
    assert [f["paths"] for f in envelope["findings"]] == [
        [f"{site}/six-1.17.0.dist-info", f"{site}/six.py", f"{site}/shadow"]]
    fixed = pyguard(root, "fix", "--yes")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    as_alice(root, f"mv {site} {site}.old && ln -s /etc {site}")
    undone = pyguard(root, "undo", "--yes")
    assert fingerprint(root) == before
    first, *refused = undone.stderr.splitlines()
    assert (undone.returncode, first.split(" (still kept")[0]) == (3, (
        "pyguard undo: not put back, because a link now leads from where they were into what "
        "their owner does not control"))
    assert f"  {site}/shadow" in refused
    assert all(line.startswith(f"  {site}/") for line in refused), refused
