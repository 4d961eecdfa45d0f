"""What apt steps do and put at risk: apt's plan read from `apt-cache policy` and `apt-get -s`
(their real output on a bookworm root, main suite and then the security suite), and the local
files an unpacking loses, judged on fake roots against dpkg's record (the .debs built here with
dpkg-deb)."""

import hashlib
import os
import shutil
import subprocess

import pytest

from pyguard.fix import apt
from pyguard.fix.chroot import Ran

SIMULATED = """\
NOTE: This is only a simulation!
Reading package lists...
Inst python3-six [1.16.0-4] (1.16.0-4 Debian:12.8/stable [all])
Inst libpython3.11-stdlib:amd64 [3.11.2-6] (3.11.2-6+deb12u8 Debian:12.8/stable [amd64]) []
Inst python3-venv (3.11.2-1+b1 Debian:12.8/stable [amd64])
Remv python3-old [1.0]
Conf python3-six (1.16.0-4 Debian:12.8/stable [all])
"""


def test_apts_plan_is_read_from_its_simulation(monkeypatch):
    monkeypatch.setattr(apt, "run", lambda root, command: Ran(command, 0, 0.1, SIMULATED))
    changes = apt.simulate("/", ("apt-get", "install", "--reinstall", "-y", "python3-six"))
    assert changes == apt.Changes(
        unpack=(apt.Unpack("python3-six", "1.16.0-4", "all", "1.16.0-4"),
                apt.Unpack("libpython3.11-stdlib", "3.11.2-6+deb12u8", "amd64", "3.11.2-6"),
                apt.Unpack("python3-venv", "3.11.2-1+b1", "amd64", "")),
        remove=("python3-old",), remove_installed=("1.0",))
    assert changes.unpack[1].deb == \
        "/var/cache/apt/archives/libpython3.11-stdlib_3.11.2-6+deb12u8_amd64.deb"


def test_a_reinstall_apt_cannot_download_is_unavailable_although_apt_exits_0(monkeypatch):
    said = "Reinstallation of python3-six is not possible, it cannot be downloaded.\n"
    monkeypatch.setattr(apt, "run", lambda root, command: Ran(command, 0, 0.1, said))
    said_of = apt.downloads("/", ("apt-get", "install", "--reinstall", "-y", "python3-six"))
    assert (said_of.unavailable, said_of.in_place) == (said.strip(), {})


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb to build a .deb")
def test_files_the_deb_would_change_or_drop_are_at_risk_and_identical_ones_are_not(tmp_path):
    build = tmp_path / "build"
    for path, content in (("usr/lib/python3/dist-packages/six.py", "shipped\n"),
                          ("usr/lib/python3/dist-packages/same.py", "same\n"),
                          ("usr/share/doc/python3-six/README", "doc\n")):
        (build / path).parent.mkdir(parents=True, exist_ok=True)
        (build / path).write_text(content)
    os.symlink("six.py", build / "usr/lib/python3/dist-packages/link.py")
    (build / "DEBIAN").mkdir()
    (build / "DEBIAN/control").write_text(
        "Package: python3-six\nVersion: 2.0\nArchitecture: all\nMaintainer: t <t@t>\n"
        "Description: t\n")
    root = tmp_path / "root"
    archives = root / "var/cache/apt/archives"
    archives.mkdir(parents=True)
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", str(build),
                    str(archives / "python3-six_2.0_all.deb")], check=True, capture_output=True)
    site = root / "usr/lib/python3/dist-packages"
    site.mkdir(parents=True)
    (site / "six.py").write_text("edited locally\n")
    (site / "same.py").write_text("same\n")
    os.symlink("same.py", site / "link.py")  # the package's link says six.py
    (site / "gone.py").write_text("only in the old version\n")
    info = root / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    (info / "python3-six.list").write_text(
        "/.\n/usr\n/usr/lib/python3/dist-packages\n/usr/lib/python3/dist-packages/six.py\n"
        "/usr/lib/python3/dist-packages/same.py\n/usr/lib/python3/dist-packages/gone.py\n")
    changes = apt.Changes((apt.Unpack("python3-six", "2.0", "all", "1.0"),), ())
    assert apt.at_risk(str(root), changes) == [
        "/usr/lib/python3/dist-packages/six.py",   # a local edit the reinstall overwrites
        "/usr/lib/python3/dist-packages/link.py",  # a link pointing elsewhere
        "/usr/lib/python3/dist-packages/gone.py",  # the new version no longer ships it
    ]


# apt's answers on a bookworm root made from the main suite (3.11.2-6+deb12u8) with the
# security suite (deb12u9) added afterwards.
POLICY_MAIN_AND_SECURITY = """\
libpython3.11-stdlib:
  Installed: 3.11.2-6+deb12u8
  Candidate: 3.11.2-6+deb12u9
  Version table:
     3.11.2-6+deb12u9 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
 *** 3.11.2-6+deb12u8 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
"""
# ... and once the main suite no longer has deb12u8 (here: its line taken out of sources.list)
POLICY_SECURITY_ONLY = """\
libpython3.11-stdlib:
  Installed: 3.11.2-6+deb12u8
  Candidate: 3.11.2-6+deb12u9
  Version table:
     3.11.2-6+deb12u9 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
 *** 3.11.2-6+deb12u8 100
        100 /var/lib/dpkg/status
"""
POLICY_OTHERS = "".join(f"""\
{name}:
  Installed: 3.11.2-6+deb12u8
  Candidate: 3.11.2-6+deb12u9
  Version table:
     3.11.2-6+deb12u9 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
 *** 3.11.2-6+deb12u8 100
        100 /var/lib/dpkg/status
""" for name in ("python3.11-venv", "python3.11", "python3.11-minimal", "libpython3.11-minimal"))
RELEASES = """\
Package files:
 100 /var/lib/dpkg/status
     release a=now
 500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
     release v=12,o=Debian,a=oldstable-security,n=bookworm-security,l=Debian-Security,c=main,b=amd64
     origin deb.debian.org
 500 http://deb.debian.org/debian bookworm/main amd64 Packages
     release v=12.15,o=Debian,a=oldstable,n=bookworm,l=Debian,c=main,b=amd64
     origin deb.debian.org
Pinned packages:
"""
REINSTALLED = """\
Reading package lists...
Building dependency tree...
Reading state information...
0 upgraded, 0 newly installed, 1 reinstalled, 0 to remove and 22 not upgraded.
Inst libpython3.11-stdlib [3.11.2-6+deb12u8] (3.11.2-6+deb12u8 Debian:12.15/oldstable [amd64])
Conf libpython3.11-stdlib (3.11.2-6+deb12u8 Debian:12.15/oldstable [amd64])
"""
UPGRADED = "".join(
    f"Inst {name} [3.11.2-6+deb12u8] (3.11.2-6+deb12u9 Debian-Security:12/oldstable-security "
    "[amd64]) []\n"
    for name in ("python3.11-venv", "python3.11", "libpython3.11-stdlib", "python3.11-minimal",
                 "libpython3.11-minimal"))
STDLIB = ("apt-get", "install", "--reinstall", "-y", "libpython3.11-stdlib")
SECURITY = apt.Release("Debian", "bookworm-security", "oldstable-security")


def fake_apt(monkeypatch, answers):
    """apt inside the root, answering each command from `answers` (first matching prefix)."""
    asked = []

    def run(root, command):
        asked.append(command)
        for prefix, output in answers:
            if command.startswith(prefix):
                return Ran(command, 0, 0.1, output)
        raise AssertionError(f"unexpected command {command}")

    monkeypatch.setattr(apt, "run", run)
    return asked


def test_policy_says_which_versions_a_source_still_has():
    policy = apt.parse_policy(POLICY_MAIN_AND_SECURITY + POLICY_OTHERS)
    assert policy["libpython3.11-stdlib"] == apt.Policy(
        "libpython3.11-stdlib", "3.11.2-6+deb12u8", "3.11.2-6+deb12u9",
        (("3.11.2-6+deb12u9",
          ("http://deb.debian.org/debian-security bookworm-security/main amd64 Packages",)),
         ("3.11.2-6+deb12u8", ("http://deb.debian.org/debian bookworm/main amd64 Packages",
                               "/var/lib/dpkg/status"))))
    assert sorted(policy) == ["libpython3.11-minimal", "libpython3.11-stdlib", "python3.11",
                              "python3.11-minimal", "python3.11-venv"]
    assert policy["libpython3.11-stdlib"].downloadable("3.11.2-6+deb12u8")
    assert not apt.parse_policy(POLICY_SECURITY_ONLY)["libpython3.11-stdlib"].downloadable(
        "3.11.2-6+deb12u8")
    assert apt.parse_releases(RELEASES) == {
        "http://deb.debian.org/debian-security bookworm-security/main amd64 Packages": SECURITY,
        "http://deb.debian.org/debian bookworm/main amd64 Packages":
            apt.Release("Debian", "bookworm", "oldstable"),
    }


def test_a_reinstall_the_archive_still_has_is_pinned_to_the_installed_version(monkeypatch):
    asked = fake_apt(monkeypatch, [("apt-cache policy -- ", POLICY_MAIN_AND_SECURITY),
                                   ("apt-cache policy", RELEASES), ("apt-get -s", REINSTALLED)])
    forecast = apt.forecast("/mnt", STDLIB, ("libpython3.11-stdlib",), "debian", "bookworm")
    assert forecast == apt.Forecast(
        STDLIB[:-1] + ("libpython3.11-stdlib=3.11.2-6+deb12u8",), ("3.11.2-6+deb12u8",),
        ("3.11.2-6+deb12u9",),
        (apt.PackageChange("libpython3.11-stdlib", "amd64", "reinstall", "3.11.2-6+deb12u8",
                           "3.11.2-6+deb12u8", True,
                           (apt.Release("Debian", "bookworm", "oldstable"),),
                           instead_of="3.11.2-6+deb12u9"),),
        "debian", "bookworm")
    assert asked == [
        "apt-cache policy -- libpython3.11-stdlib",
        "apt-get -s -o APT::Get::Show-User-Simulation-Note=false install --reinstall -y "
        "libpython3.11-stdlib=3.11.2-6+deb12u8",
        "apt-cache policy"]
    assert (forecast.changes_packages, forecast.allowed(False)) == (False, True)


def test_a_reinstall_of_a_version_no_source_has_is_an_upgrade_of_all_that_needs_it(monkeypatch):
    fake_apt(monkeypatch, [("apt-cache policy -- libpython3.11-stdlib", POLICY_SECURITY_ONLY),
                           ("apt-cache policy -- ", POLICY_OTHERS),
                           ("apt-cache policy", RELEASES), ("apt-get -s", UPGRADED)])
    forecast = apt.forecast("/mnt", STDLIB, ("libpython3.11-stdlib",), "debian", "bookworm")
    assert (forecast.argv, forecast.versions, forecast.candidates) == \
        (STDLIB, ("",), ("3.11.2-6+deb12u9",))

    def upgrade(name, named):
        return apt.PackageChange(name, "amd64", "upgrade", "3.11.2-6+deb12u8",
                                 "3.11.2-6+deb12u9", named, (SECURITY,), True)

    assert forecast.changes == (
        upgrade("python3.11-venv", False), upgrade("python3.11", False),
        upgrade("libpython3.11-stdlib", True), upgrade("python3.11-minimal", False),
        upgrade("libpython3.11-minimal", False))
    # bookworm-security is the host's own release: allowed unless --no-allow-upgrade
    assert (forecast.changes_packages, forecast.same_release) == (True, True)
    assert [forecast.allowed(a) for a in (None, True, False)] == [True, True, False]


@pytest.mark.parametrize("release, distro, codename, same", [
    (apt.Release("Debian", "bookworm-updates", "oldstable-updates"), "debian", "bookworm", True),
    (apt.Release("Debian", "bookworm", "oldstable"), "debian", "bookworm", True),
    (apt.Release("Debian", "trixie", "stable"), "debian", "bookworm", False),
    (apt.Release("Debian Backports", "bookworm-backports", "oldstable-backports"),
     "debian", "bookworm", False),
    (apt.Release("Debian", "bookworm-proposed-updates", ""), "debian", "bookworm", False),
    # a third party's repository that names its suite after the release is not the release
    (apt.Release("deb.sury.org", "bookworm", ""), "debian", "bookworm", False),
    (apt.Release("Ubuntu", "jammy-security", "jammy-security"), "ubuntu", "jammy", True),
    (apt.Release("LP-PPA-deadsnakes", "jammy", "jammy"), "ubuntu", "jammy", False),
    (apt.Release("Debian", "bookworm-security", ""), "debian", "", False),  # no VERSION_CODENAME
])
def test_an_upgrade_is_allowed_by_default_only_from_the_hosts_own_release(
        release, distro, codename, same):
    change = apt.PackageChange("python3-six", "all", "upgrade", "1.0", "1.1", True, (release,),
                               True)
    forecast = apt.Forecast(("apt-get",), ("",), ("",), (change,), distro, codename)
    assert (forecast.same_release, forecast.allowed(None), forecast.allowed(True)) == \
        (same, same, True)


def test_a_removal_or_a_downgrade_is_never_allowed_by_default():
    security = apt.Release("Debian", "bookworm-security", "")
    removal = apt.PackageChange("python3-old", "", "remove", "1.0", "", False)
    downgrade = apt.PackageChange("python3-six", "all", "downgrade", "2.0", "1.0", True,
                                  (security,), True)
    for change in (removal, downgrade):
        forecast = apt.Forecast(("apt-get",), ("",), ("",), (change,), "debian", "bookworm")
        assert [forecast.allowed(a) for a in (None, True, False)] == [False, True, False]


def test_a_reinstall_of_apts_own_candidate_is_not_pinned():
    """Only where apt would pick another version: a reinstall on an up-to-date host runs as
    the rule wrote it."""
    found = apt.parse_policy(POLICY_MAIN_AND_SECURITY.replace("Candidate: 3.11.2-6+deb12u9",
                                                              "Candidate: 3.11.2-6+deb12u8"))
    assert apt.pin(["libpython3.11-stdlib"], found, reinstall=True) == ("",)
    assert apt.pin(["libpython3.11-stdlib"], apt.parse_policy(POLICY_MAIN_AND_SECURITY),
                   reinstall=False) == ("",)
    assert apt.pin(["no-such-package"], {}, reinstall=True) == ("",)


def test_apt_cannot_simulate_what_it_cannot_download(monkeypatch):
    said = "Reinstallation of python3-six is not possible, it cannot be downloaded.\n"
    fake_apt(monkeypatch, [("apt-cache policy -- ", ""), ("apt-get -s", said)])
    with pytest.raises(apt.AptError, match="^Reinstallation of python3-six is not possible"):
        apt.forecast("/", ("apt-get", "install", "--reinstall", "-y", "python3-six"),
                     ("python3-six",), "debian", "bookworm")


# -- local edits against dpkg's record ---------------------------------------------------------

SITE = "usr/lib/python3/dist-packages"


def build_deb(tmp_path, root, version, files, links=()):
    """python3-six_VERSION_all.deb with `files` {path: text} and `links` {path: target}, into
    the root's apt archive."""
    build = tmp_path / f"build-{version}"
    for path, content in files.items():
        (build / path).parent.mkdir(parents=True, exist_ok=True)
        (build / path).write_text(content)
    for path, target in dict(links).items():
        (build / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, build / path)
    (build / "DEBIAN").mkdir()
    (build / "DEBIAN/control").write_text(
        f"Package: python3-six\nVersion: {version}\nArchitecture: all\nMaintainer: t <t@t>\n"
        "Description: t\n")
    archives = root / "var/cache/apt/archives"
    archives.mkdir(parents=True, exist_ok=True)
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", str(build),
                    str(archives / f"python3-six_{version}_all.deb")],
                   check=True, capture_output=True)


def install_record(root, version, files, links=(), conffiles=()):
    """dpkg's record of python3-six VERSION: status, .list and .md5sums, as dpkg writes them."""
    info = root / "var/lib/dpkg/info"
    info.mkdir(parents=True, exist_ok=True)
    paths = sorted(set(files) | set(dict(links)))
    dirs = sorted({"/" + "/".join(p.split("/")[:i]) for p in paths
                   for i in range(1, p.count("/") + 1)})
    (info / "python3-six.list").write_text(
        "/.\n" + "".join(d + "\n" for d in dirs) + "".join("/" + p + "\n" for p in paths))
    md5 = {p: hashlib.md5(c.encode()).hexdigest() for p, c in files.items()}
    (info / "python3-six.md5sums").write_text(
        "".join(f"{md5[p]}  {p}\n" for p in sorted(files) if "/" + p not in conffiles))
    field = "".join(f" /{p} {md5[p]}\n" for p in files if "/" + p in conffiles)
    (root / "var/lib/dpkg/status").write_text(
        f"Package: python3-six\nStatus: install ok installed\nArchitecture: all\n"
        f"Version: {version}\n" + (f"Conffiles:\n{field}" if field else "") + "\n")
    (root / "var/lib/dpkg/arch").write_text("amd64\n")


def put(root, files, links=()):
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)
    for path, target in dict(links).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / path)


OLD = {f"{SITE}/six.py": "six 1.0\n", f"{SITE}/edited.py": "as shipped in 1.0\n",
       f"{SITE}/same.py": "same\n", f"{SITE}/dropped.py": "only in 1.0\n",
       f"{SITE}/dropped_edited.py": "only in 1.0\n", "etc/six.conf": "conf 1.0\n",
       "etc/six-edited.conf": "conf 1.0\n"}
NEW = {f"{SITE}/six.py": "six 2.0\n", f"{SITE}/edited.py": "as shipped in 2.0\n",
       f"{SITE}/same.py": "same\n", f"{SITE}/new.py": "new in 2.0\n",
       "etc/six.conf": "conf 2.0\n", "etc/six-edited.conf": "conf 2.0\n"}
CONFFILES = ("/etc/six.conf", "/etc/six-edited.conf")


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb to build a .deb")
@pytest.mark.parametrize("old_deb_cached", [True, False])
def test_an_upgrade_keeps_local_edits_only_never_what_differs_from_the_new_version(
        tmp_path, old_deb_cached):
    root = tmp_path / "root"
    old_links = {f"{SITE}/link.py": "six.py", f"{SITE}/relinked.py": "six.py"}
    install_record(root, "1.0", OLD, old_links, CONFFILES)
    put(root, {**OLD, f"{SITE}/edited.py": "edited here\n",
               f"{SITE}/dropped_edited.py": "edited here\n", "etc/six-edited.conf": "mine\n",
               f"{SITE}/new.py": "somebody's own file where 2.0 puts one\n"},
        {f"{SITE}/link.py": "six.py", f"{SITE}/relinked.py": "same.py"})
    if old_deb_cached:
        build_deb(tmp_path, root, "1.0", OLD, old_links)
    build_deb(tmp_path, root, "2.0", NEW,
              {f"{SITE}/link.py": "same.py", f"{SITE}/relinked.py": "six.py"})
    changes = apt.Changes((apt.Unpack("python3-six", "2.0", "all", "1.0"),), ())
    assert apt.at_risk(str(root), changes) == [
        "/etc/six-edited.conf",  # differs from the Conffiles hash of 1.0
        f"/{SITE}/edited.py",  # edited: differs from dpkg's md5sums of 1.0
        f"/{SITE}/new.py",  # not 1.0's at all
        # a link 1.0 shipped as it is, which 2.0 changes: judged by the cached 1.0 .deb; kept
        # when that is gone (nothing to judge it by, nothing is lost)
        *([] if old_deb_cached else [f"/{SITE}/link.py"]),
        f"/{SITE}/relinked.py",  # pointed elsewhere than either version does
        f"/{SITE}/dropped_edited.py",  # 2.0 no longer ships it, and it was edited
    ]


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb to build a .deb")
def test_a_reinstall_keeps_what_differs_from_the_installed_version_and_files_of_removals(
        tmp_path):
    root = tmp_path / "root"
    install_record(root, "1.0", OLD, {f"{SITE}/link.py": "six.py"}, CONFFILES)
    put(root, {**OLD, f"{SITE}/edited.py": "edited here\n", "etc/six-edited.conf": "mine\n"},
        {f"{SITE}/link.py": "same.py"})
    build_deb(tmp_path, root, "1.0", OLD, {f"{SITE}/link.py": "six.py"})
    (root / "var/lib/dpkg/info/python3-old.list").write_text(
        f"/.\n/usr\n/{SITE}\n/{SITE}/old.py\n")
    (root / SITE / "old.py").write_text("as shipped\n")
    changes = apt.Changes((apt.Unpack("python3-six", "1.0", "all", "1.0"),), ("python3-old",),
                          ("0.9",))
    assert apt.at_risk(str(root), changes) == [
        "/etc/six-edited.conf", f"/{SITE}/edited.py", f"/{SITE}/link.py", f"/{SITE}/old.py"]


def test_the_undo_record_keeps_dpkgs_record_of_the_versions_before_the_fix(tmp_path):
    root = tmp_path / "root"
    install_record(root, "1.0", {f"{SITE}/six.py": "six 1.0\n", "etc/six.conf": "conf\n"},
                   conffiles=("/etc/six.conf",))
    changes = apt.Changes((apt.Unpack("python3-six", "2.0", "all", "1.0"),
                           apt.Unpack("python3-new", "1.0", "all", "")), ())
    assert apt.before_fix(str(root), changes) == {"python3-six:all": {
        "version": "1.0", "to": "2.0",
        "md5sums": {f"/{SITE}/six.py": hashlib.md5(b"six 1.0\n").hexdigest()},
        "conffiles": {"/etc/six.conf": hashlib.md5(b"conf\n").hexdigest()}}}


def test_a_file_source_s_debs_are_read_where_they_are(monkeypatch):
    """apt unpacks a file: source's .debs in place, never copying them into its cache."""
    fake_apt(monkeypatch, [("apt-get --print-uris", "\n".join([
        "Need to get 0 B/5255 kB of archives.",
        "'file:/srv/repo/./python3.11_3.11.2-6%2bdeb12u9_amd64.deb' "
        "python3.11_3.11.2-6+deb12u9_amd64.deb 575032 MD5Sum:841e5ebfb5eb91453a2db0ba060a3059",
        "'file:///media/cdrom/pool/main/p/python3-six_1.16.0-4_all.deb' "
        "python3-six_1.16.0-4_all.deb 17000 MD5Sum:0",
        "'http://deb.debian.org/debian/pool/main/p/python3-yaml_6.0-3_amd64.deb' "
        "python3-yaml_6.0-3_amd64.deb 100 MD5Sum:0"]))])
    said = apt.downloads("/", STDLIB)
    assert (said.unavailable, said.in_place, said.to_fetch) == (None, {
        "python3.11_3.11.2-6+deb12u9_amd64.deb": "/srv/repo/python3.11_3.11.2-6+deb12u9_amd64.deb",
        "python3-six_1.16.0-4_all.deb": "/media/cdrom/pool/main/p/python3-six_1.16.0-4_all.deb"},
        ("python3-yaml_6.0-3_amd64.deb",))


SIX_URI = ("'http://deb.debian.org/debian/pool/main/s/six/python3-six_1.16.0-4_all.deb' "
           "python3-six_1.16.0-4_all.deb 17000 MD5Sum:0\n")


def test_what_apt_has_in_its_cache_already_is_not_downloaded_again(monkeypatch, fake_root):
    from pyguard.actions.model import Reinstall
    from pyguard.fix import execute

    six = Reinstall(("python3-six",))
    for listed, fetches in (("", []), (SIX_URI, [
            "apt-get --download-only -qq install --reinstall -y python3-six"])):
        asked = fake_apt(monkeypatch, [
            ("apt-get --print-uris", "Need to get 0 B/17 kB.\n" + listed),
            ("apt-get --download-only", "")])
        assert execute._fetch(str(fake_root.path), six, {}) == apt.Downloads(
            None, {}, ("python3-six_1.16.0-4_all.deb",) if listed else ())
        assert asked == ["apt-get --print-uris -q install --reinstall -y python3-six"] + fetches


def test_apt_is_asked_of_every_step_at_once_and_downloads_one_step_after_another(monkeypatch,
                                                                               fake_root):
    """Before anything runs: print-uris side by side (no lock), downloads in step order (apt's
    archives lock); a step that refreshes its lists first is left to its turn."""
    import threading

    from pyguard.actions.model import Install, MoveAside, Reinstall
    from pyguard.findings import Finding, RepairStep
    from pyguard.fix import execute
    from pyguard.fix.plan import Step

    both_asking = threading.Barrier(2, timeout=10)  # breaks unless the two are asked at once
    asked = []

    def run(root, command):
        asked.append(command)
        if "--print-uris" in command:
            both_asking.wait()
            if command.endswith("gone"):
                return Ran(command, 100, 0.1, "E: Unable to locate package gone\n")
            return Ran(command, 0, 0.1, SIX_URI)
        return Ran(command, 0, 0.1, "")

    monkeypatch.setattr(apt, "run", run)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    actions = (Reinstall(("python3-six",)), MoveAside(("/usr/local/bin/pip",), "pip"),
               Install(("python3-venv",), refresh=True), Install(("gone",)))
    finding = Finding("r", "error", "t", "", "s", (), tuple(map(RepairStep, actions)), {})
    steps = [Step(number, finding, action, "") for number, action in enumerate(actions, 1)]
    fetched: execute.Fetched = {}

    assert execute._unavailable(str(fake_root.path), steps, fetched) == [
        execute.Unavailable(steps[3], ("gone",), "E: Unable to locate package gone")]
    assert sorted(asked[:2]) == ["apt-get --print-uris -q install --reinstall -y python3-six",
                                 "apt-get --print-uris -q install -y gone"]
    assert asked[2:] == ["apt-get --download-only -qq install --reinstall -y python3-six"]
    assert list(fetched) == [actions[0].words()]


def test_apt_steps_after_apts_own_repair_of_a_broken_system_are_checked_in_their_turn(
        monkeypatch, fake_root):
    """Until apt-get install -f has run, apt refuses every other request ("Unmet
    dependencies"): the steps after it are not asked before the fix starts."""
    from pyguard.actions.model import FixBroken, Reinstall
    from pyguard.findings import Finding, RepairStep
    from pyguard.fix import execute
    from pyguard.fix.plan import Step

    asked = []

    def run(root, command):
        asked.append(command)
        return Ran(command, 0, 0.1, "")

    monkeypatch.setattr(apt, "run", run)
    actions = (FixBroken(("python3-rich",)), Reinstall(("python3-minimal",)))
    finding = Finding("r", "error", "t", "", "s", (), tuple(map(RepairStep, actions)), {})
    steps = [Step(number, finding, action, "") for number, action in enumerate(actions, 1)]
    assert execute._unavailable(str(fake_root.path), steps, {}) == []
    assert asked == ["apt-get --print-uris -q install -f -y"]


def test_a_step_asks_apt_again_only_where_what_apt_answers_from_has_changed(monkeypatch,
                                                                            fake_root):
    """apt was asked when fix planned and fetched: a step asks again only after an earlier
    step changed dpkg's status, apt's lists or its configuration (fix.aptstate)."""
    from pyguard.actions.model import Reinstall
    from pyguard.fix import execute
    from pyguard.fix.store import Record

    root = str(fake_root.path)
    six = Reinstall(("python3-six",))
    asked = fake_apt(monkeypatch, [("apt-cache policy -- ", ""), ("apt-cache policy", RELEASES),
                                   ("apt-get -s", "0 upgraded, 0 newly installed.\n"),
                                   ("apt-get --print-uris", SIX_URI),
                                   ("apt-get --download-only", "")])
    planned = apt.forecast(root, six.words(), six.packages, "debian", "bookworm")
    fetched: execute.Fetched = {}
    assert execute._fetch(root, six, fetched).unavailable is None
    asked.clear()
    record = Record("20261202-120000", "2026-12-02T12:00:00", "pyguard fix")

    assert execute._at_risk(root, six, planned, record, fetched, None) == (six, [])
    assert asked == []

    fake_root.write("/etc/apt/sources.list.d/ppa.list", "deb http://ppa.example/ jammy main\n")
    assert execute._at_risk(root, six, planned, record, fetched, None) == (six, [])
    assert asked == [
        "apt-cache policy -- python3-six",
        "apt-get -s -o APT::Get::Show-User-Simulation-Note=false install --reinstall -y "
        "python3-six",
        "apt-cache policy",
        "apt-get --print-uris -q install --reinstall -y python3-six",
        "apt-get --download-only -qq install --reinstall -y python3-six"]
