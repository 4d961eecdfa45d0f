"""startup-hook: .pth import lines and sitecustomize/usercustomize modules that Debian did not ship."""

from fakeroot import FakeRoot
from fakeroot_startup import debian_startup_hooks

LOCAL = "/usr/local/lib/python3.11/dist-packages"
DIST = "/usr/lib/python3/dist-packages"
MOVE = ('mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf "$(mktemp '
        '--suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)" {paths}')
MOVED = "move the hook aside (kept in /var/lib/pyguard/aside)"
EVERY = "runs it in every program, root's and Debian's own tools included"
PTH = "a .pth file with a line that site.py executes"


def hook(path, what, who, origin, line, repair, paths=None, note=""):
    return {
        "rule": "startup-hook",
        "severity": "error",
        "title": f"start-up hook {path} runs code in every Python process",
        "detail": f"{path} is {what}: {who}, before the program itself. {origin}{note} First line "
                  f"that runs: {line}",
        "subject": path,
        "paths": paths or [path],
        "repair": repair,
    }


def move(label, *paths):
    return (MOVE.format(label=label, paths=" ".join(p.lstrip("/") for p in paths)), MOVED)


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_debian_sitecustomize_link_and_setuptools_pth_as_shipped_are_fine(fake_root, doctor):
    debian_startup_hooks(fake_root)
    assert doctor(fake_root) == []


def test_trixie_debian_sitecustomize_is_fine(tmp_path, doctor):
    assert doctor(debian_startup_hooks(FakeRoot.trixie(tmp_path))) == []


def test_pth_with_an_import_line_in_usr_local(fake_root, doctor):
    path = f"{LOCAL}/agent.pth"
    fake_root.write(path, "# agent\n/opt/agent/lib\nimport os; os.system('/opt/agent/run')\n")
    assert doctor(fake_root) == [
        hook(path, PTH, f"Python 3.11 {EVERY}", "No Debian package ships it.",
             "import os; os.system('/opt/agent/run')", [move("startup-hook-agent.pth", path)]),
    ]


def test_pth_with_only_paths_and_comments_runs_nothing(fake_root, doctor):
    fake_root.write(f"{LOCAL}/paths.pth", "/opt/lib\n# import os\n  import os\n")
    assert doctor(fake_root) == []


def test_pth_with_a_tab_after_import_in_debian_dist_packages(fake_root, doctor):
    path = f"{DIST}/zz.pth"
    fake_root.write(path, "import\tsys\n")
    assert doctor(fake_root) == [
        hook(path, PTH, f"every Debian Python 3 {EVERY}", "No Debian package ships it.",
             "import\tsys", [move("startup-hook-zz.pth", path)]),
    ]


def test_pth_in_the_stdlib_directory_is_not_read_by_site(fake_root, doctor):
    fake_root.write("/usr/lib/python3.11/b.pth", "import os\n")
    assert doctor(fake_root) == []


def test_pth_in_versioned_dist_packages_is_read_by_debian_site(fake_root, doctor):
    path = "/usr/lib/python3.11/dist-packages/a.pth"
    fake_root.write(path, "import os\n")
    assert doctor(fake_root) == [
        hook(path, PTH, f"Python 3.11 {EVERY}", "No Debian package ships it.", "import os",
             [move("startup-hook-a.pth", path)]),
    ]


def test_long_line_is_shortened(fake_root, doctor):
    path = f"{LOCAL}/long.pth"
    fake_root.write(path, "import os;" + "x=1;" * 50 + "\n")
    shown = ("import os;" + "x=1;" * 50)[:97] + "..."
    assert doctor(fake_root) == [
        hook(path, PTH, f"Python 3.11 {EVERY}", "No Debian package ships it.", shown,
             [move("startup-hook-long.pth", path)]),
    ]


def test_sitecustomize_in_usr_local_behind_debians(fake_root, doctor):
    debian_startup_hooks(fake_root)
    path = f"{LOCAL}/sitecustomize.py"
    fake_root.write(path, '# log everything\n\nimport logging; logging.basicConfig(level="DEBUG")\n')
    assert doctor(fake_root) == [
        hook(path, "a sitecustomize module", f"Python 3.11 {EVERY}", "No Debian package ships it.",
             'import logging; logging.basicConfig(level="DEBUG")',
             [move("startup-hook-sitecustomize.py", path)],
             note=" Today /usr/lib/python3.11/sitecustomize.py comes first on sys.path and is "
                  "imported instead; this one takes over as soon as that one is gone."),
    ]


def test_compiled_usercustomize_and_usercustomize_package(fake_root, doctor):
    so = f"{LOCAL}/usercustomize.cpython-311-x86_64-linux-gnu.so"
    fake_root.write(so, b"\x7fELF")
    fake_root.passwd([("alice", 1000, "/home/alice")])
    package = "/home/alice/.local/lib/python3.11/site-packages/usercustomize"
    fake_root.write(f"{package}/__init__.py", "print('hello')\n")
    fake_root.mkdir("/home/alice/.local/lib/python3.11/site-packages/sitecustomize")  # namespace
    assert doctor(fake_root) == [
        hook(package, "a usercustomize module", "Python 3.11 runs it in every program alice starts",
             "No Debian package ships it.", "print('hello')",
             [move("startup-hook-usercustomize", package)]),
        hook(so, "a usercustomize module",
             "Python 3.11 runs it in every program whose user site is enabled, root's and Debian's "
             "own tools included", "No Debian package ships it.", "(compiled code)",
             [move("startup-hook-usercustomize.cpython-311-x86_64-linux-gnu.so", so)]),
    ]


# modified-debian-file leaves changed Debian hooks to this rule (verify.reported_elsewhere).


def test_changed_debian_sitecustomize_conffile(fake_root, doctor):
    debian_startup_hooks(fake_root)
    fake_root.write("/etc/python3.11/sitecustomize.py", "import apport_python_hook\nimport evil\n")
    path = "/usr/lib/python3.11/sitecustomize.py"
    assert doctor(fake_root) == [
        hook(path, "a sitecustomize module", f"Python 3.11 {EVERY}",
             "libpython3.11-minimal ships it, but /etc/python3.11/sitecustomize.py, which it leads "
             "to, differs from the configuration file libpython3.11-minimal shipped.",
             "import apport_python_hook",
             [move("startup-hook-sitecustomize.py", "/etc/python3.11/sitecustomize.py"),
              ("apt-get install --reinstall -y -o Dpkg::Options::=--force-confmiss "
               "libpython3.11-minimal", "restore the configuration file as shipped (dpkg keeps a "
               "changed one, so it was moved aside first)")],
             paths=[path, "/etc/python3.11/sitecustomize.py"]),
    ]


def test_debian_sitecustomize_link_pointed_elsewhere(fake_root, doctor):
    debian_startup_hooks(fake_root)
    path = "/usr/lib/python3.11/sitecustomize.py"
    fake_root.write("/opt/hook.py", "import os\n")
    fake_root.symlink(path, "/opt/hook.py")
    assert doctor(fake_root) == [
        hook(path, "a sitecustomize module", f"Python 3.11 {EVERY}",
             "libpython3.11-minimal ships it as a link, but the link now leads to /opt/hook.py, "
             "which libpython3.11-minimal does not ship.", "import os",
             [move("startup-hook-sitecustomize.py", path),
              ("apt-get install --reinstall -y libpython3.11-minimal",
               "restore the file as the package shipped it")]),
    ]


def test_debian_sitecustomize_link_replaced_by_a_file(fake_root, doctor):
    debian_startup_hooks(fake_root)
    path = "/usr/lib/python3.11/sitecustomize.py"
    fake_root.write(path, "import site\n")
    assert doctor(fake_root) == [
        hook(path, "a sitecustomize module", f"Python 3.11 {EVERY}",
             "libpython3.11-minimal ships it, but what is there now is not what dpkg installed.",
             "import site",
             [move("startup-hook-sitecustomize.py", path),
              ("apt-get install --reinstall -y libpython3.11-minimal",
               "restore the file as the package shipped it")]),
    ]


def test_changed_setuptools_pth(fake_root, doctor):
    debian_startup_hooks(fake_root)
    path = f"{DIST}/distutils-precedence.pth"
    fake_root.write(path, "import os; os.system('id')\n")
    assert doctor(fake_root) == [
        hook(path, PTH, f"every Debian Python 3 {EVERY}",
             "python3-setuptools ships it, but its contents differ from what python3-setuptools "
             "shipped.", "import os; os.system('id')",
             [move("startup-hook-distutils-precedence.pth", path),
              ("apt-get install --reinstall -y python3-setuptools",
               "restore the file as the package shipped it")]),
    ]


def test_pth_of_a_pip_project_is_left_to_the_rule_that_moves_the_project(fake_root, doctor):
    fake_root.pip_install(LOCAL, "coverage-hook", "1.0", top_level=["covhook"],
                          files={"covhook/__init__.py": "", "covhook.pth": "import covhook\n"})
    path = f"{LOCAL}/covhook.pth"
    findings = doctor(fake_root, only=["startup-hook", "pip-in-usr-local"])
    assert [f["rule"] for f in findings] == ["startup-hook", "pip-in-usr-local"]
    assert findings[0] == hook(
        path, PTH, f"Python 3.11 {EVERY}",
        "No Debian package ships it; pip installed it with coverage-hook 1.0.", "import covhook", [],
        note=" The repair of pip-in-usr-local moves it aside with coverage-hook 1.0.")
    assert f"{LOCAL}/covhook.pth".lstrip("/") in findings[1]["repair"][0][0]


def test_loose_sitecustomize_in_debian_dist_packages_is_left_to_stray(fake_root, doctor):
    path = f"{DIST}/sitecustomize.py"
    fake_root.write(path, "import os\n")
    findings = doctor(fake_root)
    assert [f["rule"] for f in findings] == ["stray-in-dist-packages", "startup-hook"]
    assert findings[1] == hook(
        path, "a sitecustomize module", f"every Debian Python 3 {EVERY}",
        "No Debian package ships it.", "import os", [], note=" The repair of stray-in-dist-packages moves it aside.")


def test_pth_of_an_orphaned_distutils_hack_is_left_to_distutils_hack(fake_root, doctor):
    fake_root.write(f"{LOCAL}/_distutils_hack/__init__.py", "# hack\n")
    path = f"{LOCAL}/distutils-precedence.pth"
    fake_root.write(path, "import os; var = 'SETUPTOOLS_USE_DISTUTILS'\n")
    findings = doctor(fake_root, only=["startup-hook", "distutils-hack"])
    assert [f["rule"] for f in findings] == ["startup-hook", "distutils-hack"]
    assert findings[0] == hook(
        path, PTH, f"Python 3.11 {EVERY}", "No Debian package ships it.",
        "import os; var = 'SETUPTOOLS_USE_DISTUTILS'", [],
        note=" The repair of distutils-hack moves it aside with _distutils_hack.")
    assert path.lstrip("/") in findings[1]["repair"][0][0]


def test_pth_of_a_pip_project_in_a_users_site_that_hides_debian_goes_with_the_project(fake_root, doctor):
    fake_root.passwd([("alice", 1000, "/home/alice")])
    site = "/home/alice/.local/lib/python3.11/site-packages"
    fake_root.pip_install(site, "six", "1.17.0", top_level=["six"],
                          files={"six.py": "", "six-hook.pth": "import six\n"})
    findings = doctor(fake_root, only=["startup-hook"])
    assert findings == [hook(
        f"{site}/six-hook.pth", PTH, "Python 3.11 runs it in every program alice starts",
        "No Debian package ships it; pip installed it with six 1.17.0.", "import six", [],
        note=" The repair of shadowed-debian-module-user moves it aside with six 1.17.0.")]


def test_pth_of_a_pip_project_in_roots_site_that_hides_nothing_is_moved_here(fake_root, doctor):
    site = "/root/.local/lib/python3.11/site-packages"
    fake_root.pip_install(site, "covhook", "1.0", top_level=["covhook"],
                          files={"covhook/__init__.py": "", "covhook.pth": "import covhook\n"})
    assert doctor(fake_root, only=["startup-hook"]) == [hook(
        f"{site}/covhook.pth", PTH, "Python 3.11 runs it in every program root starts",
        "No Debian package ships it; pip installed it with covhook 1.0.", "import covhook",
        [move("startup-hook-covhook.pth", f"{site}/covhook.pth")])]


def test_hidden_pth_runs_under_python_3_11(fake_root, doctor):
    path = f"{LOCAL}/.hidden.pth"
    fake_root.write(path, "import os\n")
    assert doctor(fake_root) == [
        hook(path, PTH, f"Python 3.11 {EVERY}", "No Debian package ships it.", "import os",
             [move("startup-hook-.hidden.pth", path)]),
    ]


def test_hidden_pth_is_skipped_by_python_3_13(tmp_path, doctor):
    root = FakeRoot.trixie(tmp_path)
    root.write("/usr/local/lib/python3.13/dist-packages/.hidden.pth", "import os\n")
    root.write(f"{DIST}/.hidden.pth", "import os\n")
    assert doctor(root) == []
