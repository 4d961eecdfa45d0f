"""What fix does itself instead of running a tool of the examined root: relinking."""

import os

from pyguard.actions.model import Relink, Reinstall
from pyguard.fix.native import run_natively


def test_relink_replaces_the_link_atomically_and_reports_like_the_command(tmp_path):
    (tmp_path / "usr/bin").mkdir(parents=True)
    os.symlink("/usr/local/bin/python3.12", tmp_path / "usr/bin/python3")
    ran = run_natively(str(tmp_path), Relink("/usr/bin/python3", "python3.11"))
    assert (ran.command, ran.exit_code, ran.output) == ("ln -sfn python3.11 /usr/bin/python3", 0, "")
    assert os.readlink(tmp_path / "usr/bin/python3") == "python3.11"
    assert sorted(os.listdir(tmp_path / "usr/bin")) == ["python3"]


def test_relink_never_writes_through_a_link_out_of_the_root(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    (root / "usr").mkdir(parents=True)
    os.symlink(str(outside), root / "usr/bin")  # absolute: inside the root it names /tmp/...
    ran = run_natively(str(root), Relink("/usr/bin/python3", "python3.11"))
    assert os.listdir(outside) == []  # inside the root, the link names a directory not there
    assert (ran.exit_code, ran.output) == (
        1, "pyguard: cannot point /usr/bin/python3 at python3.11: No such file or directory\n")


def test_a_directory_where_the_link_goes_is_left_and_the_step_fails(tmp_path):
    (tmp_path / "usr/bin/python3").mkdir(parents=True)
    ran = run_natively(str(tmp_path), Relink("/usr/bin/python3", "python3.11"))
    assert (ran.exit_code, ran.output) == (
        1, "pyguard: cannot point /usr/bin/python3 at python3.11: Is a directory\n")
    assert sorted(os.listdir(tmp_path / "usr/bin")) == ["python3"]


def test_other_actions_run_as_their_command():
    assert run_natively("/", Reinstall(("python3",))) is None
