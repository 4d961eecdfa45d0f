"""orphaned-site: what pip installed for a Python the system left behind, after an upgrade."""

import os

import pytest

from fakeroot import ELF, FakeRoot
from fakeroot_upgrade import jammy, trixie_lists

LOCAL = "/usr/local/lib/python3.11/dist-packages"
ALICE = "/home/alice/.local/lib/python3.11/site-packages"
KEPT = ("is still installed, but no release in the apt lists has python3.11 any more: it gets "
        "no updates, and apt autoremove removes it")
MOVED = "move the projects and their programs aside (kept in /var/lib/pyguard/aside)"
LINKED = "put their programs back where pip had written them, as links into the venv"
ENSUREPIP = ("apt-get install -y python3-venv", "python3 -m venv needs ensurepip, which python3-venv ships")


def archive(label: str) -> str:
    return f'"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)"'


@pytest.fixture(autouse=True)
def _state(monkeypatch, tmp_path):
    monkeypatch.setenv("PYGUARD_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def upgraded(tmp_path) -> FakeRoot:
    """Debian 12 -> 13 as apt full-upgrade leaves it: python3.11 still installed, no list has it."""
    root = FakeRoot.trixie(tmp_path / "root")
    root.install("python3.11-minimal", version="3.11.2-6+deb12u8",
                 files={"/usr/bin/python3.11": ELF})
    root.install("libpython3.11-minimal", version="3.11.2-6+deb12u8", multi_arch="same",
                 files={"/usr/lib/python3.11/os.py": ""})
    root.mkdir("/usr/lib/python3.13/ensurepip")
    trixie_lists(root)
    return root


def orphan(site, why, projects, programs, move, label, venv, requirements, links,
           source="read from its metadata", run="", repair_first=()):
    members = " ".join(p.lstrip("/") for p in move)
    moving = (f"mkdir -p /var/lib/pyguard/aside && {run}tar -C / --remove-files -czf - {members} "
              f"> {archive(label)}" if run else
              f"mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf {archive(label)} "
              f"{members}")
    steps = list(repair_first) + [
        (moving, MOVED),
        (f"{run}/usr/bin/python3 -m venv {venv} && {run}{venv}/bin/python -m pip install "
         f"--no-cache-dir {requirements}",
         "install the same projects at the same versions in a virtual environment of their own, "
         + source)]
    steps += [(" && ".join(f"{run}ln -sfn {venv}/bin/{os.path.basename(p)} {p}" for p in links),
               LINKED)] if links else []
    return {
        "rule": "orphaned-site",
        "severity": "warning",
        "title": f"pip's projects in {site} are left behind: python3 runs Python 3.13 now",
        "detail": f"{site} belongs to Python 3.11, which python3 no longer runs ({why}): nothing "
                  f"run with python3 finds {projects} any more.{programs} Their projects, "
                  f"{source}, belong in a virtual environment now, never in the system "
                  "interpreter.",
        "subject": site,
        "paths": [site] + list(links),
        "repair": steps,
    }


def test_usr_local_after_the_upgrade_goes_into_a_venv_with_its_programs_linked(upgraded, doctor):
    upgraded.pip_install(LOCAL, "attrs", "24.2.0", top_level=["attr", "attrs"])
    upgraded.pip_install(LOCAL, "localtool", "1.0", top_level=["localtool"],
                         scripts={"localtool": "#!/usr/bin/python3\n"})
    upgraded.pip_install(LOCAL, "pip", "24.0", top_level=["pip"])
    assert doctor(upgraded, only=["orphaned-site"]) == [orphan(
        LOCAL, f"/usr/bin/python3.11 {KEPT}", "attrs 24.2.0, localtool 1.0, pip 24.0",
        " Programs pip wrote for them, which fail the same way: /usr/local/bin/localtool.",
        [f"{LOCAL}/attrs-24.2.0.dist-info", f"{LOCAL}/attr", f"{LOCAL}/attrs",
         f"{LOCAL}/localtool-1.0.dist-info", f"{LOCAL}/localtool", "/usr/local/bin/localtool",
         f"{LOCAL}/pip-24.0.dist-info", f"{LOCAL}/pip"],
        "usr-local-python3.11", "/opt/venvs/usr-local-python3.11",
        "attrs==24.2.0 localtool==1.0", ["/usr/local/bin/localtool"])]


def test_a_program_that_needs_no_python_is_not_called_failing(upgraded, doctor):
    """`pip install uv`: uv's program is its compiled binary (the wheel's data/scripts, no #!),
    which runs after the upgrade; it goes with its project all the same."""
    upgraded.pip_install(LOCAL, "uv", "0.13.9", top_level=["uv"],
                         scripts={"uv": "\x7fELF\x02\x01", "uvx": "\x7fELF\x02\x01"})
    upgraded.pip_install(LOCAL, "localtool", "1.0", top_level=["localtool"],
                         scripts={"localtool": "#!/usr/bin/python3\n"})
    assert doctor(upgraded, only=["orphaned-site"]) == [orphan(
        LOCAL, f"/usr/bin/python3.11 {KEPT}", "localtool 1.0, uv 0.13.9",
        " Programs pip wrote for them, which fail the same way: /usr/local/bin/localtool. "
        "/usr/local/bin/uv, /usr/local/bin/uvx, programs pip wrote for them that need no "
        "Python, go with them all the same.",
        [f"{LOCAL}/localtool-1.0.dist-info", f"{LOCAL}/localtool", "/usr/local/bin/localtool",
         f"{LOCAL}/uv-0.13.9.dist-info", f"{LOCAL}/uv", "/usr/local/bin/uv", "/usr/local/bin/uvx"],
        "usr-local-python3.11", "/opt/venvs/usr-local-python3.11",
        "localtool==1.0 uv==0.13.9",
        ["/usr/local/bin/localtool", "/usr/local/bin/uv", "/usr/local/bin/uvx"])]


def test_a_project_in_usr_local_whose_metadata_a_user_owns_is_not_installed_by_root(upgraded,
                                                                                     doctor):
    """Root rebuilds /usr/local's projects: one whose dist-info alice owns names what she chose."""
    upgraded.passwd([("alice", 1000, "/home/alice")])
    upgraded.pip_install(LOCAL, "attrs", "24.2.0", top_level=["attr", "attrs"])
    upgraded.pip_install(LOCAL, "reqeusts", "6.6.6", top_level=["reqeusts"])
    for top, dirs, files in os.walk(upgraded.host(f"{LOCAL}/reqeusts-6.6.6.dist-info")):
        for name in [top] + [os.path.join(top, n) for n in files]:
            os.lchown(name, 1000, 1000)
    finding = orphan(
        LOCAL, f"/usr/bin/python3.11 {KEPT}", "attrs 24.2.0, reqeusts 6.6.6", "",
        [f"{LOCAL}/attrs-24.2.0.dist-info", f"{LOCAL}/attr", f"{LOCAL}/attrs",
         f"{LOCAL}/reqeusts"],
        "usr-local-python3.11", "/opt/venvs/usr-local-python3.11", "attrs==24.2.0", [])
    hers = f"{LOCAL}/reqeusts-6.6.6.dist-info"  # moved by her, its directory kept
    finding["repair"].insert(1, (
        f"mkdir -p /var/lib/pyguard/aside && runuser -u alice -- tar -C {hers} -czf - . > "
        f"{archive('usr-local-python3.11')} && runuser -u alice -- find {hers} -mindepth 1 -delete",
        MOVED))
    finding["repair"][-1] = (finding["repair"][-1][0], finding["repair"][-1][1] + (
        f"; left out: reqeusts 6.6.6, whose metadata {LOCAL}/reqeusts-6.6.6.dist-info the site's "
        "owner does not control (alice can change it)"))
    assert doctor(upgraded, only=["orphaned-site"]) == [finding]


def test_a_users_site_is_moved_and_rebuilt_by_her_own_processes(upgraded, doctor):
    upgraded.passwd([("alice", 1000, "/home/alice")])
    upgraded.pip_install(ALICE, "alicetool", "1.0", top_level=["alicetool"])
    for top, dirs, files in os.walk(upgraded.host("/home/alice")):
        for name in [top] + [os.path.join(top, n) for n in dirs + files]:
            os.lchown(name, 1000, 1000)
    label = "user-site-alice-python3.11"
    assert doctor(upgraded, only=["orphaned-site"]) == [orphan(
        ALICE, f"/usr/bin/python3.11 {KEPT}", "alicetool 1.0", "",
        [f"{ALICE}/alicetool-1.0.dist-info", f"{ALICE}/alicetool"], label,
        "/home/alice/.venvs/user-site-python3.11", "alicetool==1.0", [],
        run="runuser -u alice -- ")]


def test_a_site_whose_interpreter_is_gone_and_its_snapshot(upgraded, doctor, tmp_path):
    from pyguard.facts.dpkg import DpkgDatabase
    from pyguard.facts.installs import find_installations
    from pyguard.facts.snapshots import snapshot_dir
    from pyguard.report.snapshots import record_sites
    from pyguard.rootfs import RootFS

    upgraded.pip_install("/usr/local/lib/python3.9/dist-packages", "six", "1.16.0",
                         top_level=["six"])
    fs = RootFS(str(upgraded))
    where = snapshot_dir(str(tmp_path / "state"), fs.root)
    assert record_sites(find_installations(fs, DpkgDatabase(fs)), where, fs.root,
                        now=1796083200.0) == []
    day = __import__("time").strftime("%Y-%m-%d", __import__("time").localtime(1796083200.0))
    site = "/usr/local/lib/python3.9/dist-packages"
    finding = doctor(upgraded, only=["orphaned-site"])[0]
    assert (finding["title"], finding["detail"], finding["repair"][1]) == (
        f"pip's projects in {site} are left behind: python3 runs Python 3.13 now",
        f"{site} belongs to Python 3.9, which python3 no longer runs (/usr/bin/python3.9 is "
        f"gone): nothing run with python3 finds six 1.16.0 any more. Their projects, as recorded "
        f"on {day}, belong in a virtual environment now, never in the system interpreter.",
        ("/usr/bin/python3 -m venv /opt/venvs/usr-local-python3.9 && "
         "/opt/venvs/usr-local-python3.9/bin/python -m pip install --no-cache-dir six==1.16.0",
         f"install the same projects at the same versions in a virtual environment of their own, "
         f"as recorded on {day}"))


def test_a_deadsnakes_site_beside_the_default_is_not_left_behind(tmp_path, doctor):
    root = jammy(tmp_path / "root")
    root.pip_install("/usr/local/lib/python3.12/dist-packages", "attrs", "24.2.0",
                     top_level=["attr", "attrs"])
    assert doctor(root, only=["orphaned-site"]) == []
