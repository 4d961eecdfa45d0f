"""What the plan says apt will do to packages, and what undo says it leaves: whole lines."""

from pyguard.fix import apt
from pyguard.render.packages import forecast_lines, permission_line, undo_lines

SECURITY = apt.Release("Debian", "bookworm-security", "oldstable-security")
TRIXIE = apt.Release("Debian", "trixie", "stable")
U8, U9 = "3.11.2-6+deb12u8", "3.11.2-6+deb12u9"


def forecast(*changes):
    return apt.Forecast(("apt-get",), ("",), changes, "debian", "bookworm")


def upgrade(name, named, release=SECURITY):
    return apt.PackageChange(name, "amd64", "upgrade", U8, U9, named, (release,), True)


def test_a_pinned_reinstall_says_which_version():
    reinstall = apt.PackageChange("libpython3.11-stdlib", "amd64", "reinstall", U8, U8, True,
                                  (apt.Release("Debian", "bookworm", "oldstable"),))
    assert forecast_lines(forecast(reinstall)) == ["reinstalls libpython3.11-stdlib " + U8]
    assert permission_line(forecast(reinstall), "bookworm") == ""


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
    assert permission_line(step, "bookworm") == \
        "runs only with --allow-upgrade: it removes or downgrades packages"


def test_an_upgrade_from_another_release_waits_for_allow_upgrade():
    step = forecast(upgrade("python3-six", True, TRIXIE))
    assert permission_line(step, "bookworm") == (
        "runs only with --allow-upgrade: the new versions come from trixie, not bookworm's "
        "own updates")
    assert permission_line(forecast(upgrade("python3-six", True)), "bookworm") == ""


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
