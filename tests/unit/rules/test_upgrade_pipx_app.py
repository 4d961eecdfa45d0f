"""upgrade-pipx-app: pipx's apps the release upgrade ahead breaks, and pipx's own shared venv
left to pipx."""

import pytest

from fakeroot_upgrade import trixie_lists
from fakeroot_venvs import chown_tree, pipx_app


@pytest.fixture(autouse=True)
def _state(monkeypatch, tmp_path):
    monkeypatch.delenv("PYGUARD_VENV_ROOTS", raising=False)
    monkeypatch.setenv("PYGUARD_STATE_DIR", str(tmp_path / "state"))


def breaks(venv, repair):
    name = venv.rsplit("/", 1)[1]
    return {
        "rule": "upgrade-pipx-app",
        "severity": "warning",
        "title": f"pipx's app {name} will break at the upgrade to Debian 13 (trixie)",
        "detail": f"{venv}, the venv pipx made for {name}, was made with Python 3.11.2, and "
                  f"{venv}/bin/python3 leads to /usr/bin/python3, which will run Python 3.13; "
                  f"that does not look in {venv}/lib/python3.11/site-packages. The app's programs "
                  "will no longer start. After the upgrade, `pyguard fix` (rule pipx-app-broken) "
                  "has pipx reinstall it with Python 3.13, as its owner, from pipx's own record "
                  "of what it installed.",
        "subject": venv,
        "paths": [f"{venv}/pyvenv.cfg", f"{venv}/bin/python3"],
        "repair": repair,
    }


def test_her_pipx_app_breaks_at_the_upgrade_and_pipx_is_installed_for_the_reinstall(fake_root,
                                                                                     doctor):
    fake_root.passwd([("alice", 1000, "/home/alice")])
    venv = pipx_app(fake_root, "/home/alice/.local/pipx", "httpie")
    chown_tree(fake_root, "/home/alice", 1000)
    fake_root.mkdir("/usr/lib/python3.11/ensurepip")
    fake_root.install("python3-venv", version="3.11.2-1+b1", depends="python3.11-venv")
    trixie_lists(fake_root)
    assert doctor(fake_root, only=["upgrade-pipx-app", "upgrade-venv"]) == [breaks(venv, [
        ("apt-get install -y pipx", "the reinstall after the upgrade runs Debian's pipx")])]


def test_with_debians_pipx_installed_nothing_is_to_do_before_the_upgrade(fake_root, doctor):
    fake_root.install("pipx", version="1.1.0-1", files={"/usr/bin/pipx": "#!/usr/bin/python3\n"})
    venv = pipx_app(fake_root, "/opt/pipx", "ansible-core")
    trixie_lists(fake_root)
    assert doctor(fake_root, only=["upgrade-pipx-app"]) == [breaks(venv, [])]
