"""Meta-tests of rules/: every rule file is complete, names a real check, and some test fires it."""

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import pyguard.checks
from pyguard.engine import resolve_check
from pyguard.rules import REQUIRED, RuleError, load_rules, parse_rule, rule_dirs

RULE_FILES = sorted(p for d in rule_dirs() for p in Path(d).glob("*.rule"))

GOOD = """\
Rule: sample
Severity: warning
Order: 5
Check: marker.pep668_marker
Evidence: path
Title: {path} is wrong
Detail: {path} is wrong.
What: Checks a sample.
Why: Because.
Example: touch /x
Repair: Move it.
 .
 $ move-aside paths={path} label=sample  # move it aside
Repair-Safety: Safe.
References: none
"""


def test_rule_files_exist():
    assert [p.name for p in RULE_FILES] == [
        "broken-pip-command.rule", "distutils-hack.rule", "env-guard-rails.rule",
        "extension-abi.rule", "lsb-release-copy.rule", "modified-debian-file.rule",
        "module-beside-scripts.rule", "orphaned-site.rule", "other-python3-first.rule",
        "pep668-marker.rule",
        "pip-break-system-packages.rule", "pip-in-usr-local.rule", "pipx-app-broken.rule",
        "python-dpkg-interrupted.rule",
        "python-unversioned-link.rule", "python3-alternatives.rule",
        "python3-distutils-missing.rule", "python3-link.rule", "python3-pip-missing.rule",
        "python3-venv-missing.rule", "record-outside-installation.rule",
        "shadowed-debian-module-user.rule",
        "shadowed-debian-module.rule", "site-packages-dir.rule", "stale-rtupdate-hook.rule",
        "startup-hook.rule", "stray-in-dist-packages.rule", "unowned-extension.rule",
        "upgrade-dropped-package.rule", "upgrade-extension.rule", "upgrade-pipx-app.rule",
        "upgrade-site.rule", "upgrade-venv.rule", "uv-tool-broken.rule", "venv-broken.rule",
    ]


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_file_parses_with_every_required_field_and_its_file_name_as_id(path):
    rule = parse_rule(path.read_text(encoding="utf-8"), str(path))
    assert rule.id == path.stem
    assert all(rule.sections[name] for name in ("What", "Why", "Example", "Repair",
                                                "Repair-Safety", "References"))
    assert rule.title and rule.detail and rule.repair


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_check_resolves_to_a_function_in_pyguard_checks(path):
    rule = parse_rule(path.read_text(encoding="utf-8"), str(path))
    check = resolve_check(rule)
    assert inspect.isfunction(check)
    assert check.__module__ == f"pyguard.checks.{rule.check.rpartition('.')[0]}"


def _check_functions():
    found = []
    for info in pkgutil.iter_modules(pyguard.checks.__path__):
        module = importlib.import_module(f"pyguard.checks.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and \
                    str(inspect.signature(function).return_annotation).startswith("Iterator[Hit]"):
                found.append(f"{info.name}.{name}")
    return sorted(found)


def test_every_check_function_is_named_by_exactly_one_rule():
    named = sorted(rule.check for rule in load_rules().values())
    assert named == _check_functions()


def test_good_sample_rule_parses():
    rule = parse_rule(GOOD, "sample.rule")
    assert (rule.id, rule.severity, rule.order, rule.check, rule.evidence) == (
        "sample", "warning", 5, "marker.pep668_marker", ("path",))


@pytest.mark.parametrize("field", REQUIRED)
def test_rule_missing_a_required_field_is_rejected(field):
    text = "\n".join(line for line in GOOD.split("\n")
                     if not line.startswith(field + ":")
                     and not (field == "Repair" and line.startswith(" ")))
    with pytest.raises(RuleError, match="missing field"):
        parse_rule(text, "sample.rule")


def test_rule_with_an_unknown_field_is_rejected():
    with pytest.raises(RuleError, match="unknown field.*Colour"):
        parse_rule(GOOD + "Colour: red\n", "sample.rule")


def test_rule_with_a_bad_severity_is_rejected():
    with pytest.raises(RuleError, match="Severity"):
        parse_rule(GOOD.replace("Severity: warning", "Severity: fatal"), "sample.rule")


def test_rule_template_using_undeclared_evidence_is_rejected():
    with pytest.raises(RuleError, match="undeclared evidence: package"):
        parse_rule(GOOD.replace("Title: {path} is wrong", "Title: {package} is wrong"), "sample.rule")


def test_rule_whose_id_differs_from_its_file_name_is_rejected(tmp_path):
    (tmp_path / "other-name.rule").write_text(GOOD)
    with pytest.raises(RuleError, match="does not match the file name"):
        load_rules([str(tmp_path)])


def test_every_rule_is_made_to_fire_by_some_test(fired_rules):
    """Runs last (tests/conftest.py): a rule that no test ever fires is not tested at all."""
    assert sorted(set(load_rules()) - fired_rules) == []
