"""Just enough of pip's command line to tell what a pip call would do. Stdlib only, no re.

pip parses with optparse: global options first, then the command name, then the command's
options and arguments in any order; long options may be abbreviated to any unique prefix and
take their value as `--opt=V` or `--opt V`; short ones as `-tV` or `-t V`, and flags combine
(`-qqU`). Only options that take a value need to be known to find the arguments; the ones
that change where pip writes need to be known by name.
"""

from __future__ import annotations

# Global options (valid before and after the command) that take a value.
GLOBAL_VALUE = {
    "--python", "--log", "--log-file", "--local-log", "--keyring-provider", "--proxy",
    "--retries", "--timeout", "--exists-action", "--trusted-host", "--cert", "--client-cert",
    "--cache-dir", "--use-feature", "--use-deprecated", "--resume-retries",
}
GLOBAL_FLAGS = {
    "--help", "--debug", "--isolated", "--require-virtualenv", "--require-venv", "--verbose",
    "--version", "--quiet", "--no-input", "--no-cache-dir", "--disable-pip-version-check",
    "--no-color", "--no-python-version-warning",
}
GLOBAL_SHORT_VALUE = {}
GLOBAL_SHORT_FLAGS = {"-h": "--help", "-v": "--verbose", "-V": "--version", "-q": "--quiet"}

# Options of the commands that can write (install, download, wheel, uninstall) taking a value.
COMMAND_VALUE = {
    "--requirement", "--constraint", "--editable", "--target", "--platform", "--python-version",
    "--implementation", "--abi", "--root", "--prefix", "--src", "--source", "--source-dir",
    "--source-directory", "--upgrade-strategy", "--config-settings", "--global-option",
    "--install-option", "--build-option", "--report", "--index-url", "--extra-index-url",
    "--find-links", "--no-binary", "--only-binary", "--progress-bar", "--root-user-action",
    "--group", "--dest", "--destination-dir", "--destination-directory", "--wheel-dir",
    "--build", "--build-dir", "--format", "--path", "--exclude", "--hash", "--editor",
}
COMMAND_FLAGS = {
    "--user", "--break-system-packages", "--dry-run", "--upgrade", "--force-reinstall",
    "--ignore-installed", "--ignore-requires-python", "--no-deps", "--pre", "--no-index",
    "--no-build-isolation", "--use-pep517", "--no-use-pep517", "--check-build-dependencies",
    "--no-clean", "--require-hashes", "--no-compile", "--compile", "--no-warn-script-location",
    "--no-warn-conflicts", "--prefer-binary", "--yes", "--quiet", "--verbose", "--local",
    "--all", "--outdated", "--uptodate", "--editable", "--not-required", "--exclude-editable",
    "--include-editable", "--mirrors", "--global", "--site",
}
COMMAND_SHORT_VALUE = {
    "-r": "--requirement", "-c": "--constraint", "-e": "--editable", "-t": "--target",
    "-i": "--index-url", "-f": "--find-links", "-d": "--dest", "-w": "--wheel-dir",
    "-C": "--config-settings", "-b": "--build",
}
COMMAND_SHORT_FLAGS = {"-U": "--upgrade", "-I": "--ignore-installed", "-y": "--yes",
                       "-l": "--local", "-o": "--outdated", "-u": "--uptodate"}

# For `pip list` and friends -e is a flag (--editable); it is a value only for the writers.
WRITERS = {"install", "download", "wheel", "uninstall"}

_LONG_GLOBAL = sorted(GLOBAL_VALUE | GLOBAL_FLAGS)
_LONG_ALL = sorted(GLOBAL_VALUE | GLOBAL_FLAGS | COMMAND_VALUE | COMMAND_FLAGS)


class PipArgs:
    """What a pip command line asks for.

    command: the pip command ("install"), or "" when there is none (`pip --version`).
    args: the command's positional arguments (requirements for install).
    options: canonical long option -> list of values (flags get True per use).
    unknown: options we did not recognise (kept as flags).
    """

    __slots__ = ("command", "args", "options", "unknown")

    def __init__(self) -> None:
        self.command = ""
        self.args = []
        self.options = {}
        self.unknown = []

    def has(self, option: str) -> bool:
        return option in self.options

    def values(self, option: str) -> list:
        return [v for v in self.options.get(option, ()) if v is not True]

    def __repr__(self) -> str:
        return f"PipArgs({self.command!r}, {self.args!r}, {self.options!r}, {self.unknown!r})"


def _expand(name: str, known: list) -> str:
    """optparse's abbreviations: an exact match, else the one option `name` is a prefix of."""
    if name in known:
        return name
    matches = [k for k in known if k.startswith(name)]
    return matches[0] if len(matches) == 1 else ""


def parse(argv: list) -> PipArgs:
    result = PipArgs()
    i = 0
    n = len(argv)
    in_command = False
    while i < n:
        arg = argv[i]
        i += 1
        if arg == "--":  # pip takes the first word after it as the command: `pip -- install X`
            rest = argv[i:]
            if not in_command and rest:
                result.command, rest = rest[0].lower(), rest[1:]
            result.args.extend(rest)
            break
        if not arg.startswith("-") or arg == "-":
            if not in_command:
                result.command = arg.lower()
                in_command = True
            else:
                result.args.append(arg)
            continue
        value_long = GLOBAL_VALUE | (COMMAND_VALUE if in_command else set())
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            canon = _expand(name, _LONG_ALL if in_command else _LONG_GLOBAL)
            if in_command and result.command not in WRITERS and canon == "--editable":
                canon, value_long = "--editable", value_long - {"--editable"}
            if not canon:
                result.unknown.append(arg)
                continue
            if canon in value_long:
                if not eq:
                    value = argv[i] if i < n else ""
                    i += 1
                result.options.setdefault(canon, []).append(value)
            else:
                result.options.setdefault(canon, []).append(True)
            continue
        # short options: -v, -qqU, -tDIR, -t DIR
        short_value = dict(GLOBAL_SHORT_VALUE)
        short_flags = dict(GLOBAL_SHORT_FLAGS)
        if in_command:
            short_flags.update(COMMAND_SHORT_FLAGS)
            if result.command in WRITERS:
                short_value.update(COMMAND_SHORT_VALUE)
            else:
                short_flags["-e"] = "--editable"
                short_value.update({k: v for k, v in COMMAND_SHORT_VALUE.items() if k != "-e"})
        j = 1
        while j < len(arg):
            letter = "-" + arg[j]
            j += 1
            if letter in short_value:
                value = arg[j:]
                if not value:
                    value = argv[i] if i < n else ""
                    i += 1
                result.options.setdefault(short_value[letter], []).append(value)
                break
            if letter in short_flags:
                result.options.setdefault(short_flags[letter], []).append(True)
            else:
                result.unknown.append(letter)
    return result
