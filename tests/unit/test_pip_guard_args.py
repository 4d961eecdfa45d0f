"""pip's command line as the guard reads it, and project names from requirements."""

from __future__ import annotations

import pytest

from pyguard.guard import pipargs
from pyguard.guard.names import normalize, requirement_name, requirements_file


def test_global_options_before_the_command():
    p = pipargs.parse(["-v", "--cache-dir", "/c", "--python=/x/python", "install", "-U", "a", "b"])
    assert (p.command, p.args) == ("install", ["a", "b"])
    assert p.options == {"--verbose": [True], "--cache-dir": ["/c"], "--python": ["/x/python"],
                         "--upgrade": [True]}


def test_values_in_every_spelling():
    p = pipargs.parse(["install", "-r", "a.txt", "-rb.txt", "--requirement=c.txt",
                       "--requirement", "d.txt", "--requirem", "e.txt", "-qqt", "/t", "x"])
    assert p.values("--requirement") == ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"]
    assert p.values("--target") == ["/t"]
    assert p.args == ["x"]
    assert p.options["--quiet"] == [True, True]


def test_editable_is_a_value_for_install_and_a_flag_for_list():
    assert pipargs.parse(["install", "-e", "./src", "x"]).values("--editable") == ["./src"]
    p = pipargs.parse(["list", "-e", "--format", "json"])
    assert (p.options, p.args) == ({"--editable": [True], "--format": ["json"]}, [])


def test_double_dash_and_unknown_options():
    p = pipargs.parse(["install", "--frobnicate", "x", "--", "-weird-name"])
    assert (p.args, p.unknown) == (["x", "-weird-name"], ["--frobnicate"])


def test_double_dash_before_the_command_is_followed_by_the_command():
    """As pip reads it: `pip -- install -x` installs a project named -x."""
    p = pipargs.parse(["-v", "--", "Install", "-x", "y"])
    assert (p.command, p.args, p.options) == ("install", ["-x", "y"], {"--verbose": [True]})
    assert pipargs.parse(["--"]).command == ""


def test_no_command():
    assert pipargs.parse(["--version"]).command == ""
    assert pipargs.parse([]).command == ""


@pytest.mark.parametrize("arg,name", [
    ("requests", "requests"), ("requests==2.32.3", "requests"), ("Requests[socks]>=2", "Requests"),
    ("zope.interface", "zope.interface"), ("name @ https://x/y.whl", "name"),
    ("requests ; python_version>'3'", "requests"),
    ("./dist/requests-2.32.3-py3-none-any.whl", "requests"),
    ("charset_normalizer-3.4.0-cp311-cp311-manylinux_2_17_x86_64.whl", "charset_normalizer"),
    ("https://files.example/foo_bar-1.0.tar.gz", "foo_bar"),
    ("git+https://github.com/x/y#egg=thing", "thing"),
    (".", None), ("./src", None), ("/srv/project", None), ("git+https://github.com/x/y", None),
])
def test_requirement_name(arg, name):
    assert requirement_name(arg) == name


def test_normalize():
    assert [normalize(n) for n in ("PyYAML", "zope.interface", "Foo__Bar--baz")] == [
        "pyyaml", "zope-interface", "foo-bar-baz"]


def test_requirements_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "more.txt").write_text("six==1.17.0\n")
    req = tmp_path / "req.txt"
    req.write_text("# pinned\n--index-url https://x/simple\nrequests==2.32.3 \\\n  --hash=sha256:ab\n"
                   "-r sub/more.txt\n-e ./local\nPyYAML>=6 # yaml\n\n-c constraints.txt\n"
                   "https://x/attrs-24.2.0-py3-none-any.whl\n")
    assert list(requirements_file(str(req))) == [
        ("requests==2.32.3   --hash=sha256:ab", "requests"),
        ("six==1.17.0", "six"),
        ("-e ./local", None),
        ("PyYAML>=6", "PyYAML"),
        ("https://x/attrs-24.2.0-py3-none-any.whl", "attrs"),
    ]


def test_a_requirements_file_that_would_block_or_never_end_is_not_read(tmp_path):
    """`sudo pip install -r /dev/zero` (or a FIFO, or /dev/stdin) hung the guard's refusal."""
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big.txt"
    big.write_text("six\n" * (1 << 19))
    found = []
    for path in ("/dev/zero", str(fifo), str(big)):
        with pytest.raises(OSError) as caught:
            list(requirements_file(path))
        found.append(caught.value.strerror)
    assert found == ["not a regular file, not read", "not a regular file, not read",
                     "larger than 1 MiB, not read"]
