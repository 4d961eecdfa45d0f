"""uv-tool-broken: uv's tools whose venv no longer works, which the owner's uv installs again."""

import os

import pytest

from fakeroot import FakeRoot
from fakeroot_venvs import KEPT, chown_tree, kept_copy, uv_tool

UPGRADED = ("/bin/python3 now runs Python 3.13 (/usr/bin/python3.13), which does not look in "
            "{venv}/lib/python3.11/site-packages")


pytestmark = pytest.mark.usefixtures("default_venv_roots")


def finding(venv, repair, blocked=""):
    name = venv.rsplit("/", 1)[1]
    return {
        "rule": "uv-tool-broken",
        "severity": "warning",
        "title": f"uv's tool {name} is broken",
        "detail": f"{venv}, the venv uv made for {name}, was made with Python 3.11.2, but "
                  f"{venv}{UPGRADED.format(venv=venv)}. The tool's programs fail to start, and "
                  f"`uv tool list` no longer finds its package.{blocked}",
        "subject": venv,
        "paths": [f"{venv}/pyvenv.cfg", f"{venv}/bin/python3"],
        "repair": repair,
    }


def repaired(venv, uv, user="", bin_dir=None):
    run = f"runuser -u {user} -- " if user else ""
    tools, _, name = venv.rpartition("/")
    bin_dir = bin_dir or tools.replace("/.local/share/uv/tools", "/.local/bin")
    keep = kept_copy(venv, "uv-" + venv.strip("/").replace("/", "-"), user)
    return finding(venv, [
        (keep, KEPT),
        (f"{run}env UV_TOOL_DIR={tools} UV_TOOL_BIN_DIR={bin_dir} {uv} tool upgrade --reinstall "
         f"--python /usr/bin/python3 {name}",
         f"have uv install {name} again for Debian's python3, from its receipt"),
    ])


def trixie_with_users(tmp_path):
    root = FakeRoot.trixie(tmp_path / "root")
    root.passwd([("alice", 1000, "/home/alice"), ("bob", 1001, "/home/bob")])
    return root


def test_tools_from_bookworm_are_installed_again_by_their_owners_uv(tmp_path, doctor):
    """alice's uv from its installer (~/.local/bin), bob's from cargo, root's in /usr/local/bin;
    none is Debian's. Each runs as the tool's owner, never as root for a user."""
    root = trixie_with_users(tmp_path)
    ruff = uv_tool(root, "/home/alice", "ruff")
    root.write("/home/alice/.local/bin/uv", "\x7fELF")
    black = uv_tool(root, "/home/bob", "black")
    root.write("/home/bob/.cargo/bin/uv", "\x7fELF")
    httpie = uv_tool(root, "/root", "httpie")
    root.write("/usr/local/bin/uv", "\x7fELF")
    chown_tree(root, "/home/alice", 1000)
    chown_tree(root, "/home/bob", 1001)
    assert doctor(root) == [
        repaired(ruff, "/home/alice/.local/bin/uv", "alice"),
        repaired(black, "/home/bob/.cargo/bin/uv", "bob"),
        repaired(httpie, "/usr/local/bin/uv"),
    ]


def test_roots_tools_for_everyone_are_uvs_and_linked_again_where_they_were(tmp_path, doctor):
    """UV_TOOL_DIR=/opt/uv-tools UV_TOOL_BIN_DIR=/usr/local/bin uv tool install: a venv in the
    scan roots, which venv-broken would rebuild with pip, losing uv's receipt; told nothing,
    uv would link the programs into root's ~/.local/bin and leave /usr/local/bin without them.
    Root's uv is looked for in root's home too."""
    root = trixie_with_users(tmp_path)
    venv = uv_tool(root, "/root", "ansible", tools="/opt/uv-tools", bin_dir="/usr/local/bin")
    root.write("/root/.local/bin/uv", "\x7fELF")
    assert doctor(root) == [repaired(venv, "/root/.local/bin/uv", bin_dir="/usr/local/bin")]


@pytest.mark.parametrize("other", ["/opt/bin/ruff2", "/root/.local/bin/ruff\x1b2"])
def test_a_receipt_that_names_programs_in_several_places_names_no_bin_dir(tmp_path, doctor,
                                                                           other):
    """Nor one whose path holds what a terminal must not get raw: not guessed at."""
    root = trixie_with_users(tmp_path)
    venv = uv_tool(root, "/root", "ruff")
    root.write("/usr/local/bin/uv", "\x7fELF")
    receipt = root.host(f"{venv}/uv-receipt.toml")
    receipt.write_text(receipt.read_text().replace(
        "]\n", f'    {{ name = "ruff2", install-path = "{other}", from = "ruff" }},\n]\n'))
    expected = repaired(venv, "/usr/local/bin/uv")
    expected["repair"][1] = (expected["repair"][1][0].replace(" UV_TOOL_BIN_DIR=/root/.local/bin", ""),
                             expected["repair"][1][1])
    assert doctor(root) == [expected]


def test_a_tool_whose_interpreter_is_gone_gets_its_link_pointed_at_python3_first(tmp_path,
                                                                                   doctor):
    """`uv tool install --python /usr/bin/python3.11`: uv takes a tool whose interpreter is
    gone for one not installed at all, and `uv tool upgrade` fails."""
    root = trixie_with_users(tmp_path)
    ruff = uv_tool(root, "/home/alice", "ruff", python="/usr/bin/python3.11")
    root.write("/home/alice/.local/bin/uv", "\x7fELF")
    chown_tree(root, "/home/alice", 1000)
    expected = repaired(ruff, "/home/alice/.local/bin/uv", "alice")
    expected["detail"] = expected["detail"].replace(
        ruff + UPGRADED.format(venv=ruff),
        f"its interpreter {ruff}/bin/python3 leads to /usr/bin/python3.11, which does not exist")
    command, note = expected["repair"][1]
    expected["repair"][1] = (f"runuser -u alice -- ln -sfn /usr/bin/python3 {ruff}/bin/python && "
                             + command, note)
    assert doctor(root) == [expected]
    root.remove("/home/alice/.local/bin/uv")  # with no uv to run, the advice says the same
    expected["detail"] += (" pyguard offers no repair: no uv in /home/alice/.local/bin/uv, "
                           "/home/alice/.cargo/bin/uv, /usr/local/bin/uv, /usr/bin/uv; as alice, "
                           f"`ln -sfn /usr/bin/python3 {ruff}/bin/python`, then `uv tool upgrade "
                           "--reinstall --python /usr/bin/python3 ruff` installs it again")
    expected["repair"] = []
    assert doctor(root) == [expected]


def test_no_repair_without_a_uv_or_with_anothers_uv(tmp_path, doctor):
    root = trixie_with_users(tmp_path)
    ruff = uv_tool(root, "/home/alice", "ruff")
    black = uv_tool(root, "/home/bob", "black")
    root.write("/home/bob/.local/bin/uv", "\x7fELF")
    chown_tree(root, "/home/alice", 1000)
    chown_tree(root, "/home/bob", 1001)
    os.chown(root.host("/home/bob/.local/bin/uv"), 1000, 1000)  # alice's uv in bob's home
    assert doctor(root) == [
        finding(ruff, [], " pyguard offers no repair: no uv in /home/alice/.local/bin/uv, "
                          "/home/alice/.cargo/bin/uv, /usr/local/bin/uv, /usr/bin/uv; as alice, "
                          "`uv tool upgrade --reinstall --python /usr/bin/python3 ruff` installs "
                          "it again"),
        finding(black, [], " pyguard offers no repair: alice can change what uv would read or "
                           "run to install it again (its receipt in the venv, uv's tool "
                           "directory or /home/bob/.local/bin/uv), as bob"),
    ]


def test_a_tool_uv_installed_again_in_place_works(tmp_path, doctor):
    """`uv tool upgrade --reinstall --python /usr/bin/python3` leaves pyvenv.cfg at 3.11.2 and
    installs into lib/python3.13: that venv works, and venv-broken leaves uv's tools alone."""
    root = trixie_with_users(tmp_path)
    ruff = uv_tool(root, "/home/alice", "ruff")
    root.pip_install(f"{ruff}/lib/python3.13/site-packages", "ruff", "1.0", top_level=["ruff"],
                     installer="uv", python="3.13")
    chown_tree(root, "/home/alice", 1000)
    assert doctor(root) == []
