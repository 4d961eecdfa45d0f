"""python3-pip-missing: a pip of another origin is in use and Debian's pip is not installed."""

LOCAL = "/usr/local/lib/python3.11/dist-packages"


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_get_pip_py_into_usr_local(fake_root, doctor):
    fake_root.pip_install(LOCAL, "pip", "24.2", top_level=["pip"],
                          scripts={"pip": "#!/usr/bin/python3\n", "pip3": "#!/usr/bin/python3\n",
                                   "pip3.11": "#!/usr/bin/python3\n"})
    fake_root.passwd([("alice", 1000, "/home/alice")])
    fake_root.write("/home/alice/.local/bin/pip", "#!/usr/bin/python3\n")
    evidence = ["/usr/local/bin/pip", "/usr/local/bin/pip3", "/usr/local/bin/pip3.11",
                "/home/alice/.local/bin/pip", f"{LOCAL}/pip-24.2.dist-info"]
    assert doctor(fake_root, only=["python3-pip-missing"]) == [{
        "rule": "python3-pip-missing",
        "severity": "info",
        "title": "somebody runs pip, but Debian's python3-pip is not installed",
        "detail": "Debian's pip is not installed, yet these files show a pip of another origin in "
                  f"use: {', '.join(evidence)}. Debian's pip knows Debian's layout and PEP 668; a "
                  "pip from get-pip.py or PyPI in /usr/local or ~/.local does not.",
        "subject": "python3-pip",
        "paths": evidence,
        "repair": [("apt-get install -y python3-pip", "install Debian's pip")],
    }]


def test_debian_pip_installed(fake_root, doctor):
    fake_root.install("python3-pip", arch="all", version="23.0.1+dfsg-1")
    fake_root.write("/usr/local/bin/pip", "#!/usr/bin/python3\n")
    assert doctor(fake_root, only=["python3-pip-missing"]) == []
