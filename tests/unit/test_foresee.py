"""The plan asks apt about each apt step it can, side by side, and says why where it cannot."""

from pathlib import Path

from pyguard.actions.model import ConfigurePending, FixBroken, Install, Reinstall, Relink
from pyguard.findings import Finding
from pyguard.fix import apt, foresee
from pyguard.fix.plan import Plan, Step


def plan_of(*actions):
    finding = Finding("r", "error", "t", "", "s", (), (), {})
    return Plan((finding,), tuple(Step(n, finding, a, "") for n, a in enumerate(actions, 1)))


def test_each_apt_step_is_foreseen_until_dpkgs_unfinished_work_or_a_refresh(tmp_path: Path,
                                                                            monkeypatch):
    (tmp_path / "usr/bin").mkdir(parents=True)
    (tmp_path / "usr/bin/apt-get").write_text("")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text("ID=debian\nVERSION_CODENAME=bookworm\n")
    asked = []

    def forecast(root, argv, packages, distro, codename):
        asked.append((argv, packages, distro, codename))
        if packages == ("gone",):
            raise apt.AptError("Reading package lists...\nE: Unable to locate package gone")
        return apt.Forecast(tuple(argv), ("",), ("",), (), distro, codename)

    monkeypatch.setattr(apt, "forecast", forecast)
    plan = foresee.foresee(str(tmp_path), plan_of(
        Relink("/usr/bin/python3", "python3.11"), Reinstall(("python3-minimal",)),
        Install(("gone",)), Install(("python3-venv",), refresh=True),
        ConfigurePending(), Reinstall(("python3-six",))))
    words = ("apt-get", "install", "--reinstall", "-y", "python3-minimal")
    assert sorted(asked) == [(words, ("python3-minimal",), "debian", "bookworm"),
                             (("apt-get", "install", "-y", "gone"), ("gone",), "debian", "bookworm")]
    assert [(s.forecast, s.unforeseen) for s in plan.steps] == [
        (None, ""),
        (apt.Forecast(words, ("",), ("",), (), "debian", "bookworm"), ""),
        (None, "E: Unable to locate package gone"),
        (None, "asked once the step has refreshed its lists"),
        (None, ""),
        (None, "asked once step 5 has finished dpkg's work"),
    ]


def test_apts_own_repair_of_a_broken_system_is_asked_and_what_follows_it_later(tmp_path: Path,
                                                                            monkeypatch):
    """apt-get install -f is what makes apt answer again: it is asked (apt knows what it will
    install), the apt steps after it once it has run."""
    (tmp_path / "usr/bin").mkdir(parents=True)
    (tmp_path / "usr/bin/apt-get").write_text("")
    asked = []

    def forecast(root, argv, packages, distro, codename):
        asked.append((tuple(argv), packages))
        return apt.Forecast(tuple(argv), ("",), ("",), (), distro, codename)

    monkeypatch.setattr(apt, "forecast", forecast)
    plan = foresee.foresee(str(tmp_path), plan_of(
        FixBroken(("python3-rich",)), Reinstall(("python3-minimal",))))
    assert asked == [(("apt-get", "install", "-f", "-y"), ("python3-rich",))]
    assert [(s.forecast is not None, s.unforeseen) for s in plan.steps] == [
        (True, ""), (False, "asked once step 1 has finished dpkg's work")]


def test_an_unpack_is_asked_as_the_reinstall_it_stands_for_and_runs_what_apt_would_unpack(
        tmp_path: Path, monkeypatch):
    """The rule names the installed version's .deb; where the archive no longer has it (a host
    behind its archive) apt's forecast brings the newer one and its lockstep sibling, and the
    step unpacks both, as apt would have, the named one first."""
    from pyguard.actions.model import UnpackAlone

    (tmp_path / "usr/bin").mkdir(parents=True)
    (tmp_path / "usr/bin/apt-get").write_text("")
    u8, u9 = "3.11.2-6+deb12u8", "3.11.2-6+deb12u9"
    security = apt.Release("Debian", "bookworm-security", "oldstable-security")
    changes = tuple(apt.PackageChange(name, "amd64", "upgrade", u8, u9, named, (security,), True)
                    for name, named in (("libpython3.11-minimal", False),
                                        ("python3.11-minimal", True)))
    asked = []

    def forecast(root, argv, packages, distro, codename):
        asked.append((argv, packages))
        return apt.Forecast(tuple(argv), ("",), (u9,), changes, distro, codename)

    monkeypatch.setattr(apt, "forecast", forecast)
    archives = "/var/cache/apt/archives"
    unpack = UnpackAlone((f"{archives}/python3.11-minimal_{u8}_amd64.deb",))
    [step] = foresee.foresee(str(tmp_path), plan_of(unpack)).steps
    assert asked == [(("apt-get", "install", "--reinstall", "-y", "python3.11-minimal"),
                      ("python3.11-minimal",))]
    assert (step.command, step.risk) == (
        f"apt-get install --reinstall --download-only -y python3.11-minimal={u9} "
        f"libpython3.11-minimal={u9} && dpkg --unpack {archives}/python3.11-minimal_{u9}_amd64.deb "
        f"{archives}/libpython3.11-minimal_{u9}_amd64.deb", "changes packages")
