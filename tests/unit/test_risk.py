"""pyguard.risk: what each repair command does, for every repair the rule catalog writes."""

import pytest

from pyguard.risk import MOVES_FILES, SAFE, UnknownCommand, actions_of, risk_of
from pyguard.rules import load_rules

# Each rule's repair steps as (verbs of the chained commands, risk), every evidence value set to
# a path so that no template line is dropped.
CATALOG = {
    'broken-pip-command': [('mkdir+move-aside', 'moves files'), ('apt-install', 'safe')],
    'distutils-hack': [('mkdir+move-aside', 'moves files')],
    'env-guard-rails': [('mkdir+archive', 'safe'), ('edit', 'moves files')],
    'extension-abi': [('apt-install', 'safe'), ('apt-update+apt-install', 'safe')],
    'lsb-release-copy': [('mkdir+move-aside', 'moves files')],
    'modified-debian-file': [('mkdir+archive', 'safe'), ('apt-install', 'safe'), ('apt-install', 'moves files')],
    'module-beside-scripts': [('mkdir+move-aside', 'moves files')],
    'other-python3-first': [('mkdir+move-aside', 'moves files'), ('mkdir+archive', 'safe'), ('edit', 'moves files'), ('edit', 'moves files'), ('append', 'moves files')],
    'pep668-marker': [('divert-remove', 'moves files'), ('apt-install', 'safe')],
    'pip-break-system-packages': [('mkdir+archive', 'safe'), ('edit', 'moves files')],
    'pip-in-usr-local': [('mkdir+move-aside', 'moves files')],
    'python-dpkg-interrupted': [('link', 'moves files'), ('apt-install', 'safe'), ('dpkg-configure', 'safe')],
    'python-unversioned-link': [('mkdir+move-aside', 'moves files')],
    'python3-alternatives': [('alternatives-remove', 'moves files'), ('link', 'moves files'), ('apt-install', 'safe')],
    'python3-distutils-missing': [('apt-install', 'safe')],
    'python3-link': [('link', 'moves files'), ('apt-install', 'safe')],
    'python3-pip-missing': [('apt-install', 'safe')],
    'python3-venv-missing': [('apt-install', 'safe')],
    'shadowed-debian-module': [('mkdir+move-aside', 'moves files'), ('mkdir+archive', 'safe'), ('apt-install', 'safe')],
    'shadowed-debian-module-user': [('mkdir+move-aside', 'moves files')],
    'site-packages-dir': [('mkdir+move-aside', 'moves files')],
    'stale-rtupdate-hook': [('mkdir+move-aside', 'moves files'), ('dpkg-configure', 'safe')],
    'startup-hook': [('mkdir+move-aside', 'moves files'), ('apt-install', 'safe'), ('apt-install', 'moves files')],
    'stray-in-dist-packages': [('mkdir+move-aside', 'moves files'), ('mkdir+archive', 'safe'), ('apt-install', 'safe')],
    'unowned-extension': [('mkdir+move-aside', 'moves files'), ('apt-install', 'safe')],
    'venv-broken': [('apt-install', 'safe'), ('mkdir+move-aside', 'moves files'), ('make-venv', 'safe'), ('make-venv', 'safe'), ('pip-in-venv', 'safe'), ('own-venv', 'safe')],
}


def test_every_repair_of_the_catalog_is_understood():
    seen = {}
    for rule_id, rule in sorted(load_rules().items()):
        steps = rule.fill_repair({key: "/srv/app/bin/python" for key in rule.evidence})
        seen[rule_id] = [("+".join(a.verb for a in actions_of(s.command)), risk_of(s.command))
                         for s in steps]
    assert seen == CATALOG


def test_apt_install_names_its_packages_and_conffile_options_replace_local_edits():
    plain, = actions_of("apt-get install --reinstall -y python3-minimal python3.11-minimal")
    forced, = actions_of("apt-get install --reinstall -y -o Dpkg::Options::=--force-confask "
                         "-o Dpkg::Options::=--force-confnew libpython3.11-minimal")
    assert (plain.packages, plain.risk) == (("python3-minimal", "python3.11-minimal"), SAFE)
    assert (forced.packages, forced.risk) == (("libpython3.11-minimal",), MOVES_FILES)


def test_a_move_aside_names_its_paths_inside_the_root():
    mkdir, move = actions_of(
        'mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf "$(mktemp '
        '--suffix=.tar.gz /var/lib/pyguard/aside/six.XXXXXX)" usr/local/lib/six.py \'odd name\'')
    assert (mkdir.verb, move.verb, move.paths) == ("mkdir", "move-aside",
                                                   ("/usr/local/lib/six.py", "/odd name"))


@pytest.mark.parametrize("command", ["rm -rf /usr/local/lib/python3.11", "curl x | sh",
                                     "apt-get remove python3", "tar -xzf a.tar.gz", "'unclosed"])
def test_what_pyguard_cannot_account_for_is_refused_and_never_called_safe(command):
    with pytest.raises(UnknownCommand):
        actions_of(command)
    assert risk_of(command) == MOVES_FILES
