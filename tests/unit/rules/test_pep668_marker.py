"""pep668-marker: each Debian stdlib keeps its EXTERNALLY-MANAGED file, as shipped."""

from fakeroot import FakeRoot

MARKER = "/usr/lib/python3.11/EXTERNALLY-MANAGED"
REINSTALL = ("apt-get install --reinstall -y libpython3.11-stdlib", "restore the marker as shipped")
UNDIVERT = (f"dpkg-divert --rename --remove {MARKER}", "undo the local diversion of the marker")
WITHOUT = ("Without it pip installs into the system interpreter without a word, over the packages "
           "Debian manages.")
ALTERED = ("pip still refuses to install into the system interpreter (the file being there is "
           "enough), but what it then says is no longer Debian's advice (apt install python3-NAME, "
           "a virtual environment, or pipx).")


def marker_finding(state: str, repair, version: str = "3.11", package: str = "libpython3.11-stdlib",
                   more_paths=(), gone: bool = True):
    marker = f"/usr/lib/python{version}/EXTERNALLY-MANAGED"
    return {
        "rule": "pep668-marker",
        "severity": "warning",
        "title": f"PEP 668 marker of Python {version} is {'gone' if gone else 'not as shipped'}: "
                 f"{state}",
        "detail": f"{package} ships {marker}, but {state}. {WITHOUT if gone else ALTERED}",
        "subject": marker,
        "paths": [marker, *more_paths],
        "repair": repair,
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_marker_deleted(fake_root, doctor):
    fake_root.remove(MARKER)
    assert doctor(fake_root) == [marker_finding("it is missing", [REINSTALL])]


def test_marker_renamed_to_bak(fake_root, doctor):
    fake_root.rename(MARKER, MARKER + ".bak")
    assert doctor(fake_root) == [
        marker_finding("it was renamed to EXTERNALLY-MANAGED.bak", [REINSTALL]),
    ]


def test_marker_emptied(fake_root, doctor):
    fake_root.write(MARKER, "")
    assert doctor(fake_root) == [marker_finding("it is empty", [REINSTALL], gone=False)]


def test_marker_text_changed(fake_root, doctor):
    fake_root.write(MARKER, "[externally-managed]\nError=go ahead\n")
    assert doctor(fake_root) == [
        marker_finding("its text differs from what Debian shipped", [REINSTALL], gone=False),
    ]


def test_marker_diverted_with_rename(fake_root, doctor):
    fake_root.divert(MARKER, MARKER + ".orig")
    assert doctor(fake_root) == [
        marker_finding(f"dpkg-divert moved it to {MARKER}.orig", [UNDIVERT, REINSTALL]),
    ]


def test_marker_replaced_by_a_directory(fake_root, doctor):
    fake_root.remove(MARKER)
    fake_root.mkdir(MARKER)
    assert doctor(fake_root) == [marker_finding("it is no longer a regular file", [REINSTALL])]


def test_marker_replaced_by_link_to_dev_null(fake_root, doctor):
    fake_root.symlink(MARKER, "/dev/null")
    assert doctor(fake_root) == [marker_finding("it is no longer a regular file", [REINSTALL])]


def test_marker_as_a_link_to_the_text_as_shipped_is_no_finding(fake_root, doctor):
    """pip follows the link (os.path.isfile) and refuses with Debian's text: nothing lost."""
    fake_root.rename(MARKER, "/usr/lib/python3.11/marker.orig")
    fake_root.symlink(MARKER, "marker.orig")
    assert doctor(fake_root) == []


def test_marker_as_a_link_to_an_emptied_copy_is_not_as_shipped(fake_root, doctor):
    fake_root.write("/usr/lib/python3.11/marker.empty", "")
    fake_root.remove(MARKER)
    fake_root.symlink(MARKER, "marker.empty")
    assert doctor(fake_root) == [marker_finding("it is empty", [REINSTALL], gone=False)]


def test_trixie_marker_deleted(tmp_path, doctor):
    root = FakeRoot.trixie(tmp_path)
    root.remove("/usr/lib/python3.13/EXTERNALLY-MANAGED")
    assert doctor(root) == [
        marker_finding("it is missing",
                       [("apt-get install --reinstall -y libpython3.13-stdlib", "restore the marker as shipped")],
                       version="3.13", package="libpython3.13-stdlib"),
    ]


def test_stdlib_without_a_shipped_marker_is_not_judged(fake_root, doctor):
    fake_root.install("libpython3.12-minimal", {"/usr/lib/python3.12/os.py": ""},
                      multi_arch="same", version="3.12.1-1")
    assert doctor(fake_root) == []


def test_a_dpkg_path_exclude_keeps_the_marker_off_the_disk(fake_root, doctor):
    """A slim image's filter, or one written to be rid of the marker for good: a reinstall alone
    would unpack everything but the marker."""
    config = "/etc/dpkg/dpkg.cfg.d/no-pep668"
    fake_root.write(config, "# no PEP 668 here\npath-exclude=/usr/share/doc/*\n"
                            "path-exclude /usr/lib/python3*/EXTERNALLY-MANAGED\n")
    fake_root.remove(MARKER)
    assert doctor(fake_root) == [marker_finding(
        f"dpkg's path-exclude=/usr/lib/python3*/EXTERNALLY-MANAGED in {config}:3 keeps it off "
        "the disk",
        [(f"printf '%s\\n' path-include={MARKER} | tee -a {config} > /dev/null",
          "let dpkg unpack the marker again (the last path filter that matches a path decides)"),
         REINSTALL],
        more_paths=(config,))]


def test_a_path_include_after_the_exclude_admits_the_marker(fake_root, doctor):
    fake_root.write("/etc/dpkg/dpkg.cfg.d/no-pep668",
                    "path-exclude=/usr/lib/python3*/EXTERNALLY-MANAGED\n")
    fake_root.write("/etc/dpkg/dpkg.cfg", f"path-include={MARKER}\n")
    fake_root.remove(MARKER)
    assert doctor(fake_root) == [marker_finding("it is missing", [REINSTALL])]
