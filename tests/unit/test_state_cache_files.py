"""The report state and the cache: files pyguard keeps for itself, written atomically through
a descriptor of their directory, and never read from a FIFO, a link or somebody else's file."""

import os

import pytest

from pyguard import cache
from pyguard.report import state as state_module
from pyguard.report.state import State, StateError


def test_state_written_atomically_leaves_no_temp_and_a_fifo_is_set_aside(tmp_path):
    path = str(tmp_path / "report-text.json")
    state_module.save(path, State("/", 1.0, ()))
    first = state_module.load(path, "/")
    os.unlink(path)
    os.mkfifo(path)
    loaded, message = state_module.load(path, "/")  # must not hang on the FIFO
    aside = sorted(p for p in os.listdir(tmp_path) if ".bad-" in p)
    assert (first, loaded, message.startswith(f"pyguard: the state file {path} was not usable "
                                               "(it is not a regular file)"), len(aside),
            sorted(os.listdir(tmp_path))) == (
        (State("/", 1.0, ()), None), None, True, 1, aside)


def test_a_lock_file_that_is_a_fifo_is_refused_not_waited_on(tmp_path):
    path = str(tmp_path / "report-text.json")
    os.mkfifo(path + ".lock")
    with pytest.raises(StateError, match="not a regular file"):
        with state_module.locked(path, timeout=1):
            pass


def test_cache_round_trip_and_no_temp_left(tmp_path, monkeypatch):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "c"))
    cache.store("verify", "/", "k", {"a": [1, 2]})
    names = os.listdir(tmp_path / "c")
    mode = oct(os.stat(tmp_path / "c" / names[0]).st_mode & 0o777)
    assert (cache.load("verify", "/", "k"), cache.load("verify", "/", "other"), len(names), mode) == (
        {"a": [1, 2]}, None, 1, "0o600")


def test_cache_refuses_a_fifo_a_link_and_a_dir_others_can_write(tmp_path, monkeypatch):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "c"))
    cache.store("verify", "/", "k", 1)
    (name,) = os.listdir(tmp_path / "c")
    target = tmp_path / "c" / name
    os.rename(target, tmp_path / "real")
    os.mkfifo(target)
    fifo = cache.load("verify", "/", "k")
    os.unlink(target)
    os.symlink(tmp_path / "real", target)
    link = cache.load("verify", "/", "k")
    os.unlink(target)
    os.chmod(tmp_path / "c", 0o777)
    cache.store("verify", "/", "k", 2)
    assert (fifo, link, os.listdir(tmp_path / "c")) == (None, None, [])
