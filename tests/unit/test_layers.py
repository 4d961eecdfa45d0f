"""pyguard's layers, read from the source's imports with ast: every import counts, at the top of a
module, inside a function (the lazy imports that keep start-up fast) or under TYPE_CHECKING, so a
layer cannot be crossed by moving an import out of sight.

Facts read the root and know nothing of what is made of them; checks turn facts into hits;
renderers turn the report model into text and know neither facts nor checks; actions are data
that imports nothing above itself; the pip guard stays small, for it starts in every pip call.
"""

import ast
from pathlib import Path
from typing import Dict, List, Tuple

import pyguard

SRC = Path(pyguard.__file__).parent

LAYERS: Dict[str, Tuple[str, ...]] = {
    # Leaves every layer may use: the root's file system, caches, small helpers, escaping,
    # dpkg's journal, which the guard reads beside the status file as doctor does, and the
    # streaming of compressed apt lists both read; sudo's secure_path, which both need; Debian's
    # version order; the names of apt's cached .debs, which a check names, an action unpacks and
    # fix reads.
    "base": ("pyguard.__init__", "pyguard.rootfs", "pyguard.journal", "pyguard.cache", "pyguard.aside",
             "pyguard.options", "pyguard.config", "pyguard.statedir", "pyguard.placing",
             "pyguard.memo", "pyguard.plain", "pyguard.render.escape", "pyguard.dpkg_journal",
             "pyguard.streaming", "pyguard.apt_cache", "pyguard.sudoers",
             "pyguard.debversion"),
    "actions": ("pyguard.actions",),
    "model": ("pyguard.findings", "pyguard.venv_rows", "pyguard.rules", "pyguard.catalogue"),
    "facts": ("pyguard.facts",),
    "checks": ("pyguard.checks",),
    "engine": ("pyguard.engine", "pyguard.examine"),
    "fix": ("pyguard.fix",),
    "report": ("pyguard.report",),
    "render": ("pyguard.render",),
    "guard": ("pyguard.guard",),
    "apthooks": ("pyguard.apthooks",),
    "commands": ("pyguard.commands",),
    "cli": ("pyguard.cli", "pyguard.__main__"),
}
"""Each layer: the modules in it (a name and everything below it; the longest name wins).
pyguard.__init__ is the top package itself (it holds the version)."""

MAY_IMPORT: Dict[str, Tuple[str, ...]] = {
    "base": (),
    "actions": ("base",),
    "model": ("base", "actions"),
    "facts": ("base",),
    "checks": ("base", "model", "facts"),
    "engine": ("base", "actions", "model", "facts"),
    "fix": ("base", "actions", "model", "facts"),
    "report": ("base", "actions", "model", "facts", "engine"),
    "render": ("base", "actions", "model", "report", "fix"),
    "guard": ("base",),
    "apthooks": ("base", "actions", "model", "facts", "engine", "render", "guard"),
    "commands": ("base", "actions", "model", "facts", "engine", "fix", "report", "render",
                 "guard", "apthooks"),
    "cli": ("base", "model", "render", "guard", "apthooks", "commands"),
}
"""Besides its own layer, what each layer may import. The engine finds checks by the names rule
files give (importlib), never by an import."""


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imports_of(module: str, source: str, known=MODULES) -> List[Tuple[int, str]]:
    """(line, module) of every pyguard module `source` imports, wherever the import is.
    `from X import name` names X.name when that is a module, else X."""
    package = module if module in known and known[module].name == "__init__.py" else \
        module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                child = f"{target}.{alias.name}"
                out.append((node.lineno, child if child in known else target))
    return sorted({(line, name) for line, name in out
                   if name == "pyguard" or name.startswith("pyguard.")})


def layer_of(module: str) -> str:
    module = "pyguard.__init__" if module == "pyguard" else module
    best = max(((prefix, layer) for layer, prefixes in LAYERS.items() for prefix in prefixes
                if module == prefix or module.startswith(prefix + ".")),
               key=lambda found: len(found[0]), default=None)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[1]


def violations() -> List[str]:
    out = []
    for module, path in MODULES.items():
        layer = layer_of(module)
        allowed = (layer,) + MAY_IMPORT[layer]
        for line, imported in imports_of(module, path.read_text()):
            other = layer_of(imported)
            if other not in allowed:
                out.append(f"{path.relative_to(SRC.parent)}:{line}: {module} ({layer}) imports "
                           f"{imported} ({other}); {layer} may import only "
                           f"{', '.join(allowed)}")
    return out


def test_every_layer_imports_only_the_layers_below_it():
    assert violations() == []


def test_every_module_is_in_a_layer_and_every_layer_is_used():
    used = {layer_of(module) for module in MODULES}
    assert used == set(LAYERS) == set(MAY_IMPORT)


def test_the_layers_have_no_cycle():
    def below(layer, seen=()):
        assert layer not in seen, f"cycle: {' -> '.join(seen + (layer,))}"
        for lower in MAY_IMPORT[layer]:
            below(lower, seen + (layer,))

    for layer in MAY_IMPORT:
        below(layer)


def test_imports_are_read_inside_functions_under_type_checking_and_relative():
    source = (
        "import os\n"
        "import pyguard.rootfs\n"
        "from typing import TYPE_CHECKING\n"
        "from . import venvs\n"
        "from .. import __version__, config as c\n"
        "from ..report.snapshots import find_snapshot\n"
        "if TYPE_CHECKING:\n"
        "    from ..render.text import plain\n"
        "def f():\n"
        "    from pyguard.fix import store\n"
        "    class C:\n"
        "        def g(self):\n"
        "            from ..cache import x\n"
    )
    known = {name: Path(name.replace(".", "/") + ".py")
             for name in ("pyguard.rootfs", "pyguard.facts.venvs", "pyguard.config",
                          "pyguard.report.snapshots", "pyguard.render.text", "pyguard.fix.store")}
    assert imports_of("pyguard.facts.hooks", source, known) == [
        (2, "pyguard.rootfs"),
        (4, "pyguard.facts.venvs"),
        (5, "pyguard"),
        (5, "pyguard.config"),
        (6, "pyguard.report.snapshots"),
        (8, "pyguard.render.text"),
        (10, "pyguard.fix.store"),
        (13, "pyguard.cache"),
    ]


def test_a_package_init_resolves_relative_imports_from_itself():
    known = {"pyguard.facts": Path("pyguard/facts/__init__.py"),
             "pyguard.facts.dpkg": Path("pyguard/facts/dpkg.py"),
             "pyguard.rootfs": Path("pyguard/rootfs.py")}
    assert imports_of("pyguard.facts", "from .dpkg import D\nfrom ..rootfs import R\n",
                      known) == [(1, "pyguard.facts.dpkg"), (2, "pyguard.rootfs")]
