"""Command line: argparse subcommands as add_X/run_X pairs; each imports what it needs when run."""

from __future__ import annotations

import sys
# No typing import: annotations stay strings, and `pyguard pip` must start as fast as pip.

EXIT_USAGE = 3


class UsageError(Exception):
    pass


def _parser(command: str = ""):
    """The parser of every command, or of `command` alone when a module declares it (the one
    to run: building all of them is a tenth of a warm doctor's time)."""
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message: str):  # argparse exits 2, which means "errors found" here
            raise UsageError(f"{self.prog}: {message}")

        def _get_formatter(self):  # argparse's imports shutil for the width: 2 ms of each run
            return self.formatter_class(prog=self.prog, width=_help_width())

    parser = Parser(prog="pyguard", description="Find and repair breakage of Debian's system Python.")
    from . import __version__
    parser.add_argument("--version", action="version", version=f"pyguard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for add in _command_adders(command):
        add(commands)
    return parser


def _help_width() -> int:
    """The width shutil.get_terminal_size gives argparse: $COLUMNS, else the terminal's, else
    80; less the 2 argparse keeps free."""
    import os

    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


def _command_adders(command: str = ""):
    """add_* functions of the module of `command`, if there is one, else of every module in
    pyguard.commands, in name order.

    Command modules import only argparse at the top; what a command needs is imported when it
    runs, so declaring them all stays cheap.
    """
    import importlib
    import os

    from . import commands

    directory = os.path.dirname(commands.__file__)
    own = command.replace("-", "_")
    if own.isidentifier() and not own.startswith("_") and \
            os.path.isfile(os.path.join(directory, own + ".py")):
        names = [own]
    else:
        names = sorted(n[:-3] for n in os.listdir(directory)
                       if n.endswith(".py") and not n.startswith("_"))
    for name in names:
        module = importlib.import_module(f"{commands.__name__}.{name}")
        for attr in sorted(vars(module)):
            if attr.startswith("add_") and callable(getattr(module, attr)):
                yield getattr(module, attr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["pip"]:  # the pip guard's hot path: no parser, no heavy imports
        from .guard.main import run
        return run(argv[1:])
    import gc
    # A short run that allocates much and frees little: the cycle collector would only scan the
    # same young objects again and again (about a tenth of doctor's time). Cycles die with us.
    gc.disable()
    try:
        argv = _root_after_command(argv)
        if argv[:1] == ["hooks"] and argv[1:2] in (["pre-invoke"], ["post-invoke"],
                                                   ["post-update"]):
            from .apthooks.run import fast  # apt waits for it: no parser of every command
            code = fast(argv[1:], _record_for_hook)
            if code is not None:
                return code
        try:
            args = _parser(argv[0] if argv else "").parse_args(argv)
        except UsageError:  # said by the parser of every command, as without the shortcut
            args = _parser().parse_args(argv)
        code = args.run(args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a full stdout fails here, where it is said, not at exit
        return code
    except UsageError as exc:
        return _fail(argv, "usage", str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug in pyguard: say so plainly, exit 3, never a traceback
        import os
        if os.environ.get("PYGUARD_DEBUG"):
            raise
        unwritable = _output_lost(exc)
        if unwritable:
            _write(sys.stderr, f"pyguard: cannot write its output: {unwritable}\n")
            return EXIT_USAGE
        return _fail(argv, "internal-error",
                     f"pyguard: internal error: {type(exc).__name__}: {exc} "
                     "(PYGUARD_DEBUG=1 shows the traceback)")


def _root_after_command(argv: list[str]) -> list[str]:
    """`pyguard --root DIR COMMAND ...` as dpkg takes it (`dpkg --root DIR -l`): the option
    moves to the end of the command's words, where its parser (or its action's) reads it."""
    if argv[:1] == ["--root"]:
        if len(argv) < 3:
            raise UsageError("pyguard: --root DIR comes with a command: pyguard --root DIR doctor")
        option, rest = argv[:2], argv[2:]
    elif argv[:1] and argv[0].startswith("--root="):
        option, rest = argv[:1], argv[1:]
    else:
        return argv
    if rest[0] == "pip":
        raise UsageError("pyguard: pyguard pip guards this system's pip and takes no --root "
                         "(pip's own --root goes after `pip`)")
    if any(a == "--root" or a.startswith("--root=") for a in rest):
        raise UsageError("pyguard: --root is given twice")
    return rest + option


def _record_for_hook(root: str) -> str:
    """pyguard.commands.upgrade_check.record_for_hook, imported only when an upgrade is ahead."""
    from .commands.upgrade_check import record_for_hook

    return record_for_hook(root)


def _fail(argv: list[str], code: str, message: str) -> int:
    """Report pyguard's own failure; in JSON mode as a valid envelope (on stderr as text when
    stdout cannot take it)."""
    if _wants_json(argv):
        from .findings import Problem
        from .render.json import dumps, envelope
        if _write(sys.stdout, dumps(envelope(None, None, _root(argv), [Problem(code, message)]))):
            return EXIT_USAGE
    from .render.escape import printable
    _write(sys.stderr, printable(message) + "\n")  # an exception's text may name any path
    return EXIT_USAGE


def _write(stream, text: str) -> bool:
    try:
        stream.write(text)
        stream.flush()
    except (AttributeError, OSError, ValueError):  # closed (None), full, or gone
        return False
    return True


def _output_lost(exc: Exception) -> str:
    """Why stdout cannot be written, when `exc` came from writing it; "" otherwise. What stays
    buffered for it is dropped (at exit, Python would flush it and print a traceback)."""
    import os

    if sys.stdout is None:
        return "standard output is closed" if isinstance(exc, AttributeError) else ""
    if not isinstance(exc, OSError):
        return ""
    try:  # a line break: whitespace to JSON readers, if stdout works and the error was not its
        sys.stdout.write("\n")
        sys.stdout.flush()
    except OSError:
        pass
    else:
        return ""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return exc.strerror or str(exc)


def _wants_json(argv: list[str]) -> bool:
    return any(a == "--format=json" or (a == "json" and i and argv[i - 1] == "--format")
               for i, a in enumerate(argv))


def _root(argv: list[str]) -> str:
    for i, a in enumerate(argv):
        if a.startswith("--root="):
            return a.split("=", 1)[1]
        if a == "--root" and i + 1 < len(argv):
            return argv[i + 1]
    return "/"
