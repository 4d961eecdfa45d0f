"""python-dpkg-interrupted: Python packages dpkg left unpacked, half-configured or reinstreq."""

TITLE = "dpkg did not finish installing Python packages"
TAIL = (". Until they are finished, every apt-get install or upgrade stops with \"Sub-process "
        "/usr/bin/dpkg returned an error code (1)\", and the modules they ship may be missing or "
        "not byte-compiled.")
RELINK = ("ln -sfn python3.11 /usr/bin/python3",
          "the maintainer scripts need a working python3 (the link python3-minimal ships)")
CONFIGURE = ("dpkg --configure -a", "finish configuring every package left half done")


def reinstall(*packages):
    return (f"apt-get install --reinstall -y {' '.join(packages)}",
            "unpack again what dpkg flagged \"reinstall required\"")


def interrupted(packages, subject, repair, paths=("/var/lib/dpkg/status",)):
    return {
        "rule": "python-dpkg-interrupted",
        "severity": "error",
        "title": TITLE,
        "detail": f"dpkg left these packages half done: {packages}" + TAIL,
        "subject": subject,
        "paths": list(paths),
        "repair": repair,
    }


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_reinstreq_package_left_by_a_failed_postinst(fake_root, doctor):
    fake_root.set_status("python3-six", "install reinstreq half-configured")
    assert doctor(fake_root) == [
        interrupted("python3-six (half-configured, must be reinstalled)", "python3-six",
                    [reinstall("python3-six"), CONFIGURE]),
    ]


def test_a_package_whose_dependencies_were_never_installed_has_apt_install_them(fake_root, doctor):
    """`dpkg -i pyguard.deb` while apt refuses: unpacked, its dependencies not there, and
    `dpkg --configure -a` cannot finish it; apt installs the first of each missing group and
    then configures every package left half done."""
    fake_root.install("pyguard", {"/usr/lib/python3/dist-packages/pyguard/__init__.py": ""},
                      arch="all", status="install ok unpacked",
                      depends="python3:any, python3-rich (>= 13), python3-six | python3-nothing, "
                              "python3-ghost | python3-ghost2")
    assert doctor(fake_root) == [{
        **interrupted("pyguard (unpacked but not configured)", "pyguard",
                      [("apt-get install -f -y",
                        "have apt install what they wait for, and configure every package left "
                        "half done")]),
        "detail": "dpkg left these packages half done: pyguard (unpacked but not configured). "
                  "They wait for packages that are not installed: python3-rich, "
                  f"python3-ghost{TAIL}"}]


def test_with_python3_broken_the_link_is_fixed_first(fake_root, doctor):
    fake_root.set_status("python3-six", "install reinstreq half-configured")
    fake_root.symlink("/usr/bin/python3", "/usr/bin/python3.missing")
    assert doctor(fake_root) == [
        interrupted("python3-six (half-configured, must be reinstalled)", "python3-six",
                    [RELINK, reinstall("python3-six"), CONFIGURE]),
        {
            "rule": "python3-link",
            "severity": "error",
            "title": "/usr/bin/python3 is not Debian's python3.11",
            "detail": "/usr/bin/python3 must run Debian's default interpreter /usr/bin/python3.11, "
                      "but it points to /usr/bin/python3.missing, which does not exist. apt's "
                      "hooks, maintainer scripts, lsb_release and add-apt-repository all run "
                      "/usr/bin/python3 and need the modules Debian built for Python 3.11.",
            "subject": "/usr/bin/python3",
            "paths": ["/usr/bin/python3", "/usr/bin/python3.missing"],
            "repair": [("ln -sfn python3.11 /usr/bin/python3",
                        "point /usr/bin/python3 back at Debian's default interpreter"),
                       ("apt-get install --reinstall -y python3-minimal python3.11-minimal",
                        "restore both packages' files as shipped")],
        },
    ]


def test_with_the_interpreter_itself_gone_dpkg_alone_unpacks_it_first(fake_root, doctor):
    """A release upgrade cut short (LP#1768379): /usr/bin/python3.11 gone, python3-six left to
    reinstall. apt retries python3-six first, whose scripts need python3, and stops: only dpkg
    alone, from the .deb apt downloads, can put the interpreter back."""
    fake_root.set_status("python3-six", "install reinstreq half-configured")
    fake_root.remove("/usr/bin/python3.11")
    version = fake_root.version_of("python3.11-minimal")
    [found, link] = doctor(fake_root)
    assert (found, link["rule"]) == (
        interrupted("python3-six (half-configured, must be reinstalled)", "python3-six", [
            RELINK,
            (f"apt-get install --reinstall --download-only -y python3.11-minimal={version} && "
             "dpkg --unpack /var/cache/apt/archives/"
             f"python3.11-minimal_{version.replace(':', '%3a')}_amd64.deb",
             "put the interpreter back first, with dpkg alone (apt would first retry the "
             "packages whose scripts need it)"),
            reinstall("python3-six"), CONFIGURE]), "python3-link")


def test_half_configured_python3_only_needs_configuring(fake_root, doctor):
    fake_root.set_status("python3", "install ok half-configured")
    fake_root.set_status("libpython3.11-stdlib", "install ok triggers-pending")
    assert doctor(fake_root) == [
        interrupted("libpython3.11-stdlib (triggers pending), python3 (half-configured)",
                    "libpython3.11-stdlib, python3", [CONFIGURE]),
    ]


def test_package_with_files_under_usr_lib_python3_counts_as_python(fake_root, doctor):
    fake_root.install("lsb-release", arch="all", version="12.0-1",
                      files={"/usr/lib/python3/dist-packages/lsb_release.py": "# lsb\n"},
                      status="install ok unpacked")
    assert doctor(fake_root) == [
        interrupted("lsb-release (unpacked but not configured)", "lsb-release", [CONFIGURE]),
    ]


def test_other_packages_alone_are_not_this_rules_business(fake_root, doctor):
    fake_root.install("less", version="590-2", files={"/usr/bin/less": "ELF"},
                      status="install reinstreq half-installed")
    assert doctor(fake_root) == []


def test_every_reinstreq_package_is_reinstalled_so_configure_can_finish(fake_root, doctor):
    fake_root.install("less", version="590-2", files={"/usr/bin/less": "ELF"},
                      status="install reinstreq half-installed")
    fake_root.set_status("python3-urllib3", "install ok unpacked")
    assert doctor(fake_root) == [
        interrupted("python3-urllib3 (unpacked but not configured)", "python3-urllib3",
                    [reinstall("less"), CONFIGURE]),
    ]


def test_not_installed_and_config_files_are_finished_states(fake_root, doctor):
    fake_root.install("python3-yaml", version="6.0-3", files={"/usr/share/doc/python3-yaml/x": ""},
                      status="deinstall ok config-files")
    fake_root.install("python3-old", version="1", files={}, status="purge ok not-installed")
    assert doctor(fake_root) == []


def test_a_package_half_done_in_dpkgs_journal_only(fake_root, doctor):
    """dpkg killed mid-upgrade: status still says installed, its journal says otherwise."""
    status = fake_root.host("/var/lib/dpkg/status").read_text()
    block = next(b for b in status.split("\n\n") if b.startswith("Package: python3-six\n"))
    fake_root.write("/var/lib/dpkg/updates/0000",
                    block.replace("Status: install ok installed",
                                  "Status: install reinstreq half-installed") + "\n")
    assert doctor(fake_root) == [
        interrupted("python3-six (half-installed, must be reinstalled)", "python3-six",
                    [("dpkg --triggers-only -a", "write down what the journal of the killed dpkg "
                                                 "holds: apt refuses to run until then"),
                     reinstall("python3-six"), CONFIGURE],
                    paths=("/var/lib/dpkg/status", "/var/lib/dpkg/updates")),
    ]
