"""python3-link: /usr/bin/python3 must lead to Debian's default python3.X, installed by dpkg."""

from expected_findings import APT_312, GI_312
from fakeroot import FakeRoot

TITLE = "/usr/bin/python3 is not Debian's python3.11"
TAIL = ("apt's hooks, maintainer scripts, lsb_release and add-apt-repository all run /usr/bin/python3"
        " and need the modules Debian built for Python 3.11.")
REPAIR = [
    ("ln -sfn python3.11 /usr/bin/python3", "point /usr/bin/python3 back at Debian's default interpreter"),
    ("apt-get install --reinstall -y python3-minimal python3.11-minimal",
     "restore both packages' files as shipped"),
]


def link_finding(state: str, paths):
    return {
        "rule": "python3-link",
        "severity": "error",
        "title": TITLE,
        "detail": f"/usr/bin/python3 must run Debian's default interpreter /usr/bin/python3.11, but {state}. "
                  + TAIL,
        "subject": "/usr/bin/python3",
        "paths": paths,
        "repair": REPAIR,
    }


def test_healthy_bookworm_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_healthy_trixie_has_no_findings(tmp_path, doctor):
    assert doctor(FakeRoot.trixie(tmp_path)) == []


def test_absolute_link_through_merged_usr_bin_is_healthy(fake_root, doctor):
    fake_root.symlink("/usr/bin/python3", "/bin/python3.11")
    assert doctor(fake_root) == []


def test_dangling_link_to_removed_interpreter(fake_root, doctor):
    fake_root.remove("/usr/bin/python3.11")
    assert doctor(fake_root) == [
        link_finding("it points to /usr/bin/python3.11, which does not exist",
                     ["/usr/bin/python3", "/usr/bin/python3.11"]),
    ]


def test_missing_link(fake_root, doctor):
    fake_root.remove("/usr/bin/python3")
    assert doctor(fake_root) == [link_finding("it is missing", ["/usr/bin/python3"])]


def test_link_to_usr_local_make_install_build(fake_root, doctor):
    fake_root.write("/usr/local/bin/python3.12", b"\x7fELF")
    fake_root.write("/usr/local/lib/python3.12/os.py", "")
    fake_root.symlink("/usr/bin/python3", "/usr/local/bin/python3.12")
    assert doctor(fake_root) == [
        link_finding("it runs /usr/local/bin/python3.12 (Python 3.12), which no Debian package installed",
                     ["/usr/bin/python3", "/usr/local/bin/python3.12"]),
        APT_312,
        GI_312,
    ]


def test_link_to_pyenv_shim_chain(fake_root, doctor):
    prefix = "/root/.pyenv/versions/3.12.3"
    fake_root.write(f"{prefix}/bin/python3.12", b"\x7fELF")
    fake_root.symlink(f"{prefix}/bin/python3", "python3.12")
    fake_root.write(f"{prefix}/lib/python3.12/os.py", "")
    fake_root.symlink("/usr/bin/python3", f"{prefix}/bin/python3")
    assert doctor(fake_root) == [
        link_finding(f"it runs {prefix}/bin/python3.12 (Python 3.12), which no Debian package installed",
                     ["/usr/bin/python3", f"{prefix}/bin/python3.12"]),
        APT_312,
        GI_312,
    ]


def test_link_to_conda_bare_python3_version_read_from_prefix_lib(fake_root, doctor):
    fake_root.write("/opt/conda/bin/python3", b"\x7fELF")  # conda's python3 is the real file
    fake_root.write("/opt/conda/lib/python3.12/os.py", "")
    fake_root.symlink("/usr/bin/python3", "/opt/conda/bin/python3")
    assert doctor(fake_root) == [
        link_finding("it runs /opt/conda/bin/python3 (Python 3.12), which no Debian package installed",
                     ["/usr/bin/python3", "/opt/conda/bin/python3"]),
        APT_312,
        GI_312,
    ]


def test_regular_file_copied_over_the_link(fake_root, doctor):
    fake_root.write("/usr/bin/python3", b"\x7fELF copy of python3.11")
    assert doctor(fake_root) == [
        link_finding("it is a regular file, not the symlink Debian ships", ["/usr/bin/python3"]),
    ]


def test_link_pointing_at_itself_is_a_loop(fake_root, doctor):
    fake_root.symlink("/usr/bin/python3", "python3")
    assert doctor(fake_root) == [link_finding("its symlinks form a loop", ["/usr/bin/python3"])]


def test_link_to_non_default_debian_interpreter(fake_root, doctor):
    fake_root.install("python3.12-minimal", {"/usr/bin/python3.12": b"\x7fELF"},
                      multi_arch="allowed", version="3.12.1-1")
    fake_root.install("libpython3.12-minimal", {"/usr/lib/python3.12/os.py": ""},
                      multi_arch="same", version="3.12.1-1")
    fake_root.symlink("/usr/bin/python3", "python3.12")
    assert doctor(fake_root) == [
        link_finding("it runs /usr/bin/python3.12 (Python 3.12), from python3.12-minimal",
                     ["/usr/bin/python3", "/usr/bin/python3.12"]),
        APT_312,
        GI_312,
    ]


def test_default_interpreter_not_installed_by_dpkg(fake_root, doctor):
    fake_root.purge("python3.11-minimal")  # the file stays, dpkg forgot it
    assert doctor(fake_root) == [
        link_finding("/usr/bin/python3.11 is not the one dpkg installed",
                     ["/usr/bin/python3", "/usr/bin/python3.11"]),
    ]


def test_no_debian_defaults_means_no_verdict(fake_root, doctor):
    fake_root.remove("/usr/share/python3/debian_defaults")
    fake_root.remove("/usr/bin/python3")
    assert doctor(fake_root, only=["python3-link"]) == []
