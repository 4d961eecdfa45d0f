"""pyguard.actions: the repair vocabulary, the rule lines that declare it, and who runs it."""

import pytest

from pyguard.actions.effects import Effects
from pyguard.actions.model import (Append, CommentOut, ConfigurePending, Install, LinkPrograms,
                                   MoveAside, PipxReinstall, RecreateVenv, Reinstall, Relink,
                                   RemoveAlternative, RemoveDiversion, UnpackAlone, UvToolUpgrade,
                                   as_json)
from pyguard.apt_cache import deb_parts
from pyguard.actions.shell import for_person
from pyguard.actions.template import TemplateError, parse_line
from pyguard.rules import load_rules

ROOT_ONLY = lambda path: "root"  # noqa: E731

# Each rule's repair as (kind, risk) per step, every evidence value set to a path that only root
# controls, so that no line is left out.
CATALOG = {
    'broken-pip-command': [('move-aside', 'moves files'), ('reinstall', 'safe')],
    'distutils-hack': [('move-aside', 'moves files')],
    'env-guard-rails': [('comment-out', 'moves files')],
    'extension-abi': [('reinstall', 'safe'), ('install', 'safe')],
    'lsb-release-copy': [('move-aside', 'moves files')],
    'modified-debian-file': [('keep-copy', 'safe'), ('reinstall', 'safe'), ('reinstall', 'moves files')],
    'module-beside-scripts': [('move-aside', 'moves files')],
    'other-python3-first': [('move-aside', 'moves files'), ('comment-out', 'moves files'),
                            ('comment-out', 'moves files'), ('append', 'moves files')],
    'pep668-marker': [('remove-diversion', 'moves files'), ('append', 'moves files'), ('reinstall', 'safe')],
    'pip-break-system-packages': [('comment-out', 'moves files')],
    'pip-in-usr-local': [('move-aside', 'moves files')],
    'pipx-app-broken': [('install', 'safe'), ('keep-copy', 'safe'),
                        ('pipx-reinstall', 'installs from the index')],
    'python-dpkg-interrupted': [('relink', 'moves files'), ('configure-pending', 'safe'), ('unpack', 'safe'),
                                ('reinstall', 'safe'), ('fix-broken', 'safe'), ('configure-pending', 'safe')],
    'python-unversioned-link': [('remove-alternative', 'moves files'), ('move-aside', 'moves files')],
    'python3-alternatives': [('remove-alternative', 'moves files'), ('relink', 'moves files'), ('reinstall', 'safe')],
    'python3-distutils-missing': [('install', 'safe')],
    'python3-link': [('relink', 'moves files'), ('reinstall', 'safe')],
    'python3-pip-missing': [('install', 'safe')],
    'python3-venv-missing': [('install', 'safe')],
    'record-outside-installation': [('move-aside', 'moves files')],
    'shadowed-debian-module': [('move-aside', 'moves files'), ('keep-copy', 'safe'), ('reinstall', 'safe')],
    'shadowed-debian-module-user': [('move-aside', 'moves files')],
    'site-packages-dir': [('move-aside', 'moves files')],
    'stale-rtupdate-hook': [('move-aside', 'moves files'), ('configure-pending', 'safe')],
    'startup-hook': [('move-aside', 'moves files'), ('reinstall', 'safe'), ('reinstall', 'safe')],
    'stray-in-dist-packages': [('move-aside', 'moves files'), ('keep-copy', 'safe'), ('reinstall', 'safe')],
    'unowned-extension': [('move-aside', 'moves files'), ('reinstall', 'safe')],
    'uv-tool-broken': [('keep-copy', 'safe'), ('uv-tool-upgrade', 'installs from the index')],
    'venv-broken': [('install', 'safe'), ('move-aside', 'moves files'), ('recreate-venv', 'installs from the index')],
    'orphaned-site': [('install', 'safe'), ('move-aside', 'moves files'), ('recreate-venv', 'installs from the index'),
                      ('link-programs', 'moves files')],
    'upgrade-dropped-package': [('install', 'safe')],
    'upgrade-extension': [('move-aside', 'moves files')],
    'upgrade-pipx-app': [('install', 'safe')],
    'upgrade-site': [('install', 'safe')],
    'upgrade-venv': [('install', 'safe')],
}


def _evidence(rule):
    return {key: ("/etc/x.conf:2" if "edits" in key else "/srv/app") for key in rule.evidence}


def test_every_rule_declares_known_actions_and_each_renders_for_explain():
    seen = {}
    for rule_id, rule in sorted(load_rules().items()):
        steps = rule.fill_repair(_evidence(rule), ROOT_ONLY)
        seen[rule_id] = [(s.action.kind, s.action.effects().risk) for s in steps]
        assert all(template.example() for template in rule.repair)
    assert seen == CATALOG


def test_commands_are_what_a_person_would_type():
    assert [a.command() for a in (
        Reinstall(("python3-minimal", "python3.11-minimal")),
        Reinstall(("libpython3.11-stdlib",), ("3.11.2-6+deb12u8",), "restore-missing"),
        Reinstall(("python3-pip",), conffiles="replace"),
        Install(("python3-venv",)),
        Install(("python3-gi",), refresh=True),
        Relink("/usr/bin/python3", "python3.11"),
        RemoveAlternative("python3"),
        RemoveDiversion("/usr/lib/python3.11/EXTERNALLY-MANAGED"),
        ConfigurePending(),
        ConfigurePending(("python3",)),
        UnpackAlone(("/var/cache/apt/archives/python3.11-minimal_3.11.2-6+deb12u8_amd64.deb",
                     "/var/cache/apt/archives/python3-minimal_1%3a3.11.2-1_all.deb")),
    )] == [
        "apt-get install --reinstall -y python3-minimal python3.11-minimal",
        "apt-get install --reinstall -y -o Dpkg::Options::=--force-confmiss "
        "libpython3.11-stdlib=3.11.2-6+deb12u8",
        "apt-get install --reinstall -y -o Dpkg::Options::=--force-confask "
        "-o Dpkg::Options::=--force-confnew python3-pip",
        "apt-get install -y python3-venv",
        "apt-get update && apt-get install -y python3-gi",
        "ln -sfn python3.11 /usr/bin/python3",
        "update-alternatives --remove-all python3",
        "dpkg-divert --rename --remove /usr/lib/python3.11/EXTERNALLY-MANAGED",
        "dpkg --configure -a",
        "dpkg --configure python3",
        "apt-get install --reinstall --download-only -y python3.11-minimal=3.11.2-6+deb12u8 "
        "python3-minimal=1:3.11.2-1 && dpkg --unpack "
        "/var/cache/apt/archives/python3.11-minimal_3.11.2-6+deb12u8_amd64.deb "
        "/var/cache/apt/archives/python3-minimal_1%3a3.11.2-1_all.deb",
    ]


def test_a_deb_in_apts_cache_is_named_as_apt_names_it():
    unpack = UnpackAlone(("/var/cache/apt/archives/python3-minimal_1%3a3.11.2-1_all.deb",))
    assert (unpack.packages, unpack.words(), unpack.effects().risk, as_json(unpack)) == (
        ("python3-minimal",),
        ("apt-get", "install", "--reinstall", "-y", "python3-minimal=1:3.11.2-1"),
        "safe",
        {"kind": "unpack", "debs": ["/var/cache/apt/archives/python3-minimal_1%3a3.11.2-1_all.deb"]})
    assert [deb_parts(p) for p in ("/x/a_1_all.deb", "<interpreter>", "/x/a_b.deb")] == [
        ("a", "1", "all"), ("<interpreter>", "", ""), ("a_b.deb", "", "")]


def test_files_a_user_controls_are_handled_by_her_own_processes():
    aside = '"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/six.XXXXXX)"'
    assert MoveAside(("/usr/local/lib/python3.11/dist-packages/six.py",), "six").command() == (
        f"mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf {aside} "
        "usr/local/lib/python3.11/dist-packages/six.py")
    assert MoveAside(("/home/alice/.local/lib/python3.11/site-packages/six.py",), "six",
                     "alice").command() == (
        "mkdir -p /var/lib/pyguard/aside && runuser -u alice -- tar -C / --remove-files -czf - "
        f"home/alice/.local/lib/python3.11/site-packages/six.py > {aside}")
    assert MoveAside(("/srv/app",), "six", "alice", keep_top=True).command() == (
        "mkdir -p /var/lib/pyguard/aside && runuser -u alice -- tar -C /srv/app -czf - . > "
        f"{aside} && runuser -u alice -- find /srv/app -mindepth 1 -delete")
    assert CommentOut((("/home/alice/.profile", (3, 7)),), "profile", "alice").command() == (
        "mkdir -p /var/lib/pyguard/aside && runuser -u alice -- tar -C / -czf - home/alice/.profile"
        ' > "$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/profile.XXXXXX)" && runuser -u alice '
        "-- sed -i '3s/^/# disabled by pyguard: /;7s/^/# disabled by pyguard: /' /home/alice/.profile")
    assert Append("/home/alice/.condarc", "auto_activate_base: false", "alice").command() == (
        "printf '%s\\n' 'auto_activate_base: false' | runuser -u alice -- tee -a "
        "/home/alice/.condarc > /dev/null")
    assert RecreateVenv("/srv/app", ("six==1.16.0", "--editable=/srv/app-src"), True,
                        user="alice").command() == (
        "runuser -u alice -- /usr/bin/python3 -m venv --system-site-packages /srv/app && "
        "runuser -u alice -- /srv/app/bin/python -m pip install --no-cache-dir six==1.16.0 "
        "--editable=/srv/app-src")
    home = "/home/alice/.local/pipx"
    pipx = PipxReinstall(f"{home}/venvs/alicetool", home, user="alice")
    assert (pipx.command(), pipx.effects().risk, as_json(pipx)) == (
        "runuser -u alice -- env PIPX_HOME=/home/alice/.local/pipx /usr/bin/pipx reinstall "
        "--python /usr/bin/python3 alicetool", "installs from the index",
        {"kind": "pipx-reinstall", "venv": f"{home}/venvs/alicetool", "home": home,
         "bin_dir": "", "python": "/usr/bin/python3", "user": "alice"})
    tools = "/home/alice/.local/share/uv/tools"
    uv = UvToolUpgrade(f"{tools}/ruff", tools, "/home/alice/.local/bin/uv", user="alice")
    assert (uv.command(), uv.effects(), as_json(uv)) == (
        f"runuser -u alice -- env UV_TOOL_DIR={tools} /home/alice/.local/bin/uv tool upgrade "
        "--reinstall --python /usr/bin/python3 ruff",
        Effects(creates=(f"{tools}/ruff",), user="alice", fetches=True),
        {"kind": "uv-tool-upgrade", "venv": f"{tools}/ruff", "tools": tools,
         "program": "/home/alice/.local/bin/uv", "bin_dir": "", "relink": "",
         "python": "/usr/bin/python3", "user": "alice"})
    everyone = UvToolUpgrade("/opt/uv-tools/ansible", "/opt/uv-tools", "/usr/local/bin/uv",
                             "/usr/local/bin")
    assert everyone.command() == (
        "env UV_TOOL_DIR=/opt/uv-tools UV_TOOL_BIN_DIR=/usr/local/bin /usr/local/bin/uv tool "
        "upgrade --reinstall --python /usr/bin/python3 ansible")
    gone = UvToolUpgrade(f"{tools}/ruff", tools, "/home/alice/.local/bin/uv",
                         relink=f"{tools}/ruff/bin/python", user="alice")
    assert gone.command() == (
        f"runuser -u alice -- ln -sfn /usr/bin/python3 {tools}/ruff/bin/python && runuser -u "
        f"alice -- env UV_TOOL_DIR={tools} /home/alice/.local/bin/uv tool upgrade --reinstall "
        "--python /usr/bin/python3 ruff")


def test_programs_are_linked_back_into_the_venv_that_now_holds_their_projects():
    links = LinkPrograms("/opt/venvs/usr-local-python3.11", ("/usr/local/bin/localtool",
                                                              "/usr/local/bin/other"))
    assert links.command() == (
        "ln -sfn /opt/venvs/usr-local-python3.11/bin/localtool /usr/local/bin/localtool && "
        "ln -sfn /opt/venvs/usr-local-python3.11/bin/other /usr/local/bin/other")
    theirs = LinkPrograms("/home/alice/.venvs/user-site-python3.11",
                          ("/home/alice/.local/bin/tool",), "alice")
    assert theirs.command() == (
        "runuser -u alice -- ln -sfn /home/alice/.venvs/user-site-python3.11/bin/tool "
        "/home/alice/.local/bin/tool")
    effects = theirs.effects()
    assert (effects.replaces, effects.user, effects.risk) == (
        ("/home/alice/.local/bin/tool",), "alice", "moves files")
    assert as_json(theirs) == {"kind": "link-programs",
                               "venv": "/home/alice/.venvs/user-site-python3.11",
                               "programs": ["/home/alice/.local/bin/tool"], "user": "alice"}


def test_effects_say_what_is_touched_who_runs_it_and_the_risk():
    effects = MoveAside(("/a", "/b"), "x", "alice").effects()
    assert (effects.moves, effects.user, effects.risk) == (("/a", "/b"), "alice", "moves files")
    assert Reinstall(("python3",)).effects().risk == "safe"
    assert Reinstall(("python3",), conffiles="replace").effects().risk == "moves files"
    assert RecreateVenv("/srv/app", user="bob").effects().local_paths == ()


def test_json_carries_the_kind_and_every_field():
    assert as_json(CommentOut((("/etc/environment", (2,)),), "environment")) == {
        "kind": "comment-out", "edits": [{"file": "/etc/environment", "lines": [2]}],
        "label": "environment", "user": "root"}
    assert as_json(Reinstall(("python3",))) == {
        "kind": "reinstall", "packages": ["python3"], "versions": [], "conffiles": "keep"}


@pytest.mark.parametrize("line, message", [
    ("rm-rf paths={move}", "unknown repair action 'rm-rf'"),
    ("move-aside paths={move} label={label} mode=777", "move-aside has no field 'mode'"),
    ("move-aside paths={move} user=root label=x", "move-aside has no field 'user'"),
    ("move-aside paths={move}", "move-aside needs label"),
])
def test_a_rule_line_naming_what_does_not_exist_is_refused(line, message):
    with pytest.raises(TemplateError, match=message):
        parse_line(line, "x.rule")


def test_a_line_whose_keys_have_no_value_is_left_out_and_optional_fields_take_defaults():
    venv = parse_line("recreate-venv venv={venv} requirements={requirements?}", "x.rule")
    assert venv.fill({"venv": "/srv/app", "requirements": ()}, ROOT_ONLY) == [
        RecreateVenv("/srv/app")]
    assert venv.fill({"venv": "", "requirements": ("six",)}, ROOT_ONLY) == []
    pair = parse_line("reinstall packages=python3-minimal,python{default}-minimal", "x.rule")
    assert pair.fill({"default": "3.11"}, ROOT_ONLY) == [
        Reinstall(("python3-minimal", "python3.11-minimal"))]


def test_when_makes_a_line_without_values_optional():
    line = parse_line("configure-pending when={pending}", "x.rule")
    assert (line.fill({"pending": "yes"}, ROOT_ONLY), line.fill({"pending": ""}, ROOT_ONLY)) == (
        [ConfigurePending()], [])


def test_actions_are_split_by_who_controls_each_path_and_nobody_acts_on_what_anyone_controls():
    owners = {"/usr/local/x": "root", "/home/alice/x": "alice", "/home/alice": "alice",
              "/srv/app": "alice", "/srv": "root", "/tmp/shared": None}
    move = parse_line("move-aside paths={move} label={label}", "x.rule")
    actions = move.fill({"move": ("/usr/local/x", "/home/alice/x", "/srv/app", "/tmp/shared"),
                         "label": "l"}, owners.get)
    assert actions == [MoveAside(("/usr/local/x",), "l"),
                       MoveAside(("/home/alice/x",), "l", "alice"),
                       MoveAside(("/srv/app",), "l", "alice", keep_top=True)]


def test_a_person_gets_one_line_that_runs_wholly_with_root_rights():
    chained = MoveAside(("/usr/local/x",), "x").command()
    assert for_person("apt-get install -y python3-venv", "/", as_root=False) == (
        "sudo apt-get install -y python3-venv")
    assert for_person(chained, "/", as_root=False) == f"sudo sh -c '{chained.replace(chr(39), chr(39) + chr(92) + chr(39) + chr(39))}'"
    assert for_person(chained, "/", as_root=True) == chained
    assert for_person("dpkg --configure -a", "/mnt", as_root=False) == (
        "sudo chroot /mnt /bin/sh -c 'dpkg --configure -a'")


def test_a_name_a_terminal_must_not_get_raw_is_written_so_that_sh_gives_it_back():
    """Shown escaped (\\xff), a quoted name was another file's once pasted; and dash, Debian's
    sh, has no $'...'."""
    import subprocess

    from pyguard.actions.quoting import quote

    names = ["/home/alice/.local/lib/bad\udcff.py", "/srv/\x1b]0;owned\x07x", "/srv/a\u202eb",
             "/srv/it's", "/srv/plain", "x\x1b\x07\udcfe"]
    quoted = [quote(n) for n in names]
    assert quoted == [
        "/home/alice/.local/lib/bad\"$(printf '\\377')\".py",
        "/srv/\"$(printf '\\033')\"']0;owned'\"$(printf '\\007')\"x",
        "/srv/a\"$(printf '\\342\\200\\256')\"b",
        "'/srv/it'\"'\"'s'",
        "/srv/plain",
        "x\"$(printf '\\033\\007\\376')\"",
    ]
    assert all(q.isprintable() for q in quoted)
    for name, word in zip(names, quoted):
        said = subprocess.run(["/bin/sh", "-c", f"printf '%s' {word}"], capture_output=True,
                              check=True).stdout
        assert said == name.encode("utf-8", "surrogateescape")
    assert MoveAside((names[0],), "bad", "alice").command() == (
        "mkdir -p /var/lib/pyguard/aside && runuser -u alice -- tar -C / --remove-files -czf - "
        "home/alice/.local/lib/bad\"$(printf '\\377')\".py > "
        "\"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/bad.XXXXXX)\"")
