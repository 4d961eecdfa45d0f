"""pyguard.placing: what pyguard places goes inside the root, whatever its symlinks say."""

import os

from pyguard.placing import host_path, make_dirs, read_state, write_state


def test_an_absolute_symlink_in_the_root_is_followed_inside_it(tmp_path):
    root = tmp_path / "root"
    outside = tmp_path / "host-etc"
    outside.mkdir()
    (root / str(outside).lstrip("/")).mkdir(parents=True)
    (root / "etc").symlink_to(str(outside))  # inside the root this means ROOT/<that path>
    created = []
    make_dirs(str(root), "/etc/apt/apt.conf.d", created)
    write_state(str(root), "/etc/apt/state.json", {"file": "x"})
    assert host_path(str(root), "/etc/apt/state.json") == f"{root}{outside}/apt/state.json"
    assert created == ["/etc/apt", "/etc/apt/apt.conf.d"]
    assert read_state(str(root), "/etc/apt/state.json") == {"file": "x"}
    assert os.listdir(outside) == []


def test_a_state_file_that_is_not_a_json_object_reads_as_none(tmp_path):
    (tmp_path / "state.json").write_text("[1, 2]")
    (tmp_path / "bad.json").write_text("{")
    assert [read_state(str(tmp_path), p) for p in ("/state.json", "/bad.json", "/none.json")] == \
        [None, None, None]
