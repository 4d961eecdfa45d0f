"""What the plan says apt will do to packages, and what undo says it leaves: whole lines."""

from pyguard.fix import apt
from pyguard.render.packages import forecast_lines, permission_line, undo_lines

SECURITY = apt.Release("Debian", "bookworm-security", "oldstable-security")
TRIXIE = apt.Release("Debian", "trixie", "stable")
U8, U9 = "3.11.2-6+deb12u8", "3.11.2-6+deb12u9"


def forecast(*changes):
    return apt.Forecast(("apt-get",), ("",), ("",), changes, "debian", "bookworm")


def upgrade(name, named, release=SECURITY):
    return apt.PackageChange(name, "amd64", "upgrade", U8, U9, named, (release,), True)


def test_a_pinned_reinstall_says_which_version():
    reinstall = apt.PackageChange("libpython3.11-stdlib", "amd64", "reinstall", U8, U8, True,
                                  (apt.Release("Debian", "bookworm", "oldstable"),))
    assert forecast_lines(forecast(reinstall)) == ["reinstalls libpython3.11-stdlib " + U8]
    pinned = apt.PackageChange("libpython3.11-stdlib", "amd64", "reinstall", U8, U8, True,
                               (apt.Release("Debian", "bookworm", "oldstable"),),
                               instead_of=U9)
    assert forecast_lines(forecast(pinned)) == [
        f"reinstalls libpython3.11-stdlib {U8} (pinned: apt alone would upgrade it to {U9})"]
    assert permission_line(forecast(reinstall), False) == ""


def test_an_upgrade_says_from_where_why_and_what_comes_with_it():
    step = forecast(upgrade("python3.11-venv", False), upgrade("python3.11", False),
                    upgrade("libpython3.11-stdlib", True), upgrade("python3.11-minimal", False),
                    apt.PackageChange("python3-old", "", "remove", "1.0", "", False))
    assert forecast_lines(step) == [
        f"upgrades libpython3.11-stdlib {U8} -> {U9} from bookworm-security "
        "(the installed version is no longer in the archive)",
        f"also upgrades python3.11-venv, python3.11, python3.11-minimal {U8} -> {U9} "
        "from bookworm-security",
        "also removes python3-old 1.0",
    ]
    assert permission_line(step) == \
        "runs only with --allow-upgrade: it removes or downgrades packages"
    assert permission_line(step, True) == ""


def test_an_upgrade_from_another_release_waits_for_allow_upgrade():
    step = forecast(upgrade("python3-six", True, TRIXIE))
    assert permission_line(step) == (
        "runs only with --allow-upgrade: the new versions come from trixie, not bookworm's "
        "own updates")
    assert permission_line(forecast(upgrade("python3-six", True))) == ""
    assert permission_line(forecast(upgrade("python3-six", True)), False) == \
        "not run: --no-allow-upgrade forbids a step that changes packages"


def test_undo_names_what_stays_upgraded_and_what_stays_removed():
    changes = [("libpython3.11-stdlib", U8, U9), ("python3-old", "1.0", ""),
               ("python3-six", "1.16.0-4", "1.16.0-4"), ("python3.11", U8, U9)]
    assert undo_lines(changes, [], 3) == [
        f"libpython3.11-stdlib, python3.11 stay at {U9} (was {U8}); undo does not downgrade "
        "packages.",
        "python3-old stays removed (was 1.0); its files are put back, `apt-get install "
        "python3-old` installs it again.",
        "Reinstalled at the version installed before: python3-six 1.16.0-4.",
        "3 files of the versions before the fix stay as the new ones have them: they were as "
        "dpkg had recorded, not local edits.",
    ]
    assert undo_lines([], ["python3-six 1.16.0-4"], 0) == [
        "Packages the fix unpacked stay as they are (not downgraded): python3-six 1.16.0-4"]
    assert undo_lines([], [], 0) == []


def plan_of(*forecasts):
    """A plan of one finding whose reinstall step apt forecast as given."""
    from pyguard.actions.model import Reinstall
    from pyguard.findings import Finding, RepairStep
    from pyguard.fix.plan import Plan, Step

    action = Reinstall(("libpython3.11-stdlib",))
    finding = Finding("modified-debian-file", "error",
                      "files of libpython3.11-stdlib are not as Debian shipped them", "",
                      "libpython3.11-stdlib", (), (RepairStep(action, "restore them"),), {})
    steps = tuple(Step(1, finding, action, "restore them", forecast=f) for f in forecasts)
    return Plan((finding,), steps)


def test_the_plan_shows_apts_own_account_of_each_step():
    from pyguard.render.fix import envelope, plan_text

    step = apt.Forecast(("apt-get",), ("",), (U9,), (
        upgrade("libpython3.11-stdlib", True, apt.Release("Debian", "trixie", "stable")),
        upgrade("python3.11", False, apt.Release("Debian", "trixie", "stable"))),
        "debian", "bookworm")
    assert plan_text(plan_of(step), "/mnt").splitlines()[2:] == [
        "ERROR files of libpython3.11-stdlib are not as Debian shipped them  "
        "[modified-debian-file]",
        "  1. [changes packages] apt-get install --reinstall -y libpython3.11-stdlib",
        "     # restore them",
        f"     upgrades libpython3.11-stdlib {U8} -> {U9} from trixie (the installed version is "
        "no longer in the archive)",
        f"     also upgrades python3.11 {U8} -> {U9} from trixie",
        "     runs only with --allow-upgrade: the new versions come from trixie, not bookworm's "
        "own updates",
        "",
        "safe: reinstalls from the archive and touches nothing local; moves files: what it "
        "names goes aside. changes packages: apt upgrades, downgrades or removes packages, as "
        "the step says; undo puts local files back, never older versions. Every file a step "
        "removes or overwrites is copied first to /var/lib/pyguard/undo/ID; pyguard undo puts "
        "it back. A step on files a user controls runs as that user.",
    ]
    doctor = {"findings": [{"rule": "modified-debian-file", "repair": [
        {"command": "apt-get install --reinstall -y libpython3.11-stdlib", "risk": "safe"}]}]}
    data = envelope(plan_of(step), None, doctor, True, allow_upgrade=True)
    assert data["findings"] == [{"rule": "modified-debian-file", "repair": [
        {"command": "apt-get install --reinstall -y libpython3.11-stdlib",
         "risk": "changes packages"}]}]
    assert data["fix"]["plan"][0]["risk"] == "changes packages"
    assert data["fix"]["plan"][0]["apt"] == {
        "foreseen": True, "allowed": True, "why_not": "",
        "changes": [{"package": name, "arch": "amd64", "change": "upgrade", "installed": U8,
                     "version": U9, "named": named, "installed_gone": True, "pinned_over": "",
                     "from": ["trixie"]}
                    for name, named in (("libpython3.11-stdlib", True), ("python3.11", False))]}


def test_a_pinned_step_runs_and_shows_the_installed_version():
    from pyguard.render.fix import plan_text

    pinned = apt.Forecast(
        ("apt-get", "install", "--reinstall", "-y", f"libpython3.11-stdlib={U8}"), (U8,),
        (U9,), (apt.PackageChange("libpython3.11-stdlib", "amd64", "reinstall", U8, U8, True,
                                  (apt.Release("Debian", "bookworm", "oldstable"),),
                                  instead_of=U9),), "debian", "bookworm")
    plan = plan_of(pinned)
    assert plan.steps[0].command == \
        f"apt-get install --reinstall -y libpython3.11-stdlib={U8}"
    assert plan_text(plan, "/mnt").splitlines()[3:6] == [
        f"  1. [safe] apt-get install --reinstall -y libpython3.11-stdlib={U8}",
        "     # restore them",
        f"     reinstalls libpython3.11-stdlib {U8} (pinned: apt alone would upgrade it to {U9})"]


def test_packages_that_move_differently_are_named_each_with_its_versions():
    bookworm = apt.Release("Debian", "bookworm", "oldstable")
    step = forecast(
        apt.PackageChange("python3.11-minimal", "amd64", "reinstall", U8, U8, True, (bookworm,)),
        apt.PackageChange("python3-minimal", "amd64", "reinstall", "3.11.2-1+b1", "3.11.2-1+b1",
                          True, (bookworm,)))
    assert forecast_lines(step) == [
        f"reinstalls python3.11-minimal {U8}, python3-minimal 3.11.2-1+b1"]
