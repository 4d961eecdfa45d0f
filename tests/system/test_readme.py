"""The README's output sample is what pyguard really prints, under Debian's own Python.

pyguard runs inside a real bookworm root here, with the root's python3 and Debian's packaged
python3-debian, python3-rich and python3-psutil, as an installed pyguard would.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .realroot import RealRoot, pyguard

PROJECT = Path(__file__).resolve().parents[2]
SAMPLE = re.compile(r"```text\n\$ sudo pyguard doctor\n(.*?)```", re.S)


def run_inside(root: RealRoot, *args: str):
    shutil.copytree(PROJECT / "src", root.host("/opt/pyguard/src"))
    shutil.copytree(PROJECT / "rules", root.host("/opt/pyguard/rules"))
    return root.run("cd /root && PYTHONPATH=/opt/pyguard/src python3 -m pyguard " + " ".join(args),
                    check=False)


def test_the_readme_sample_is_real_output(real_root, pinned_wheels) -> None:
    root = real_root("bookworm")
    wheels = pinned_wheels(root)
    root.run("rm /usr/lib/python3.11/EXTERNALLY-MANAGED && python3 -m pip install -q "
             f"--no-index --find-links {wheels} requests==2.32.3 urllib3==2.2.3")
    result = run_inside(root, "doctor")
    sample = SAMPLE.search((PROJECT / "README.md").read_text())
    assert sample is not None, "README.md has no doctor sample"
    assert (result.returncode, result.stdout, result.stderr) == (2, sample.group(1), "")


def test_a_clean_root_is_one_calm_line_under_debians_python(real_root) -> None:
    root = real_root("bookworm")
    result = run_inside(root, "doctor")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "pyguard: / (Debian 12 (bookworm), default Python 3.11) is healthy; 35 rules checked.\n", "")


FIX_SAMPLE = re.compile(r"```text\n\$ sudo pyguard fix --root /mnt --yes\n(.*?)```", re.S)


def _normalised(text: str) -> str:
    """What changes from run to run: seconds, the undo record's id, the archive's versions."""
    text = re.sub(r"\(\d+\.\d s", "(N s", text)
    text = re.sub(r"\b\d{8}-\d{6}(-\d+)?\b", "ID", text)
    return re.sub(r"(?m)^(Packages unpacked .*?: |     (?:also )?(?:reinstalls|upgrades|installs) )(.*)$",
                  lambda m: m.group(1) + re.sub(r" [0-9][^ ,]*", " VERSION", m.group(2)), text)


def test_the_readme_fix_sample_is_real_output(real_root) -> None:
    root = real_root("bookworm")
    root.run("ln -sf /usr/local/bin/python3.12 /usr/bin/python3 && "
             "echo '# tuned' >> /usr/lib/python3/dist-packages/six.py")
    result = pyguard(root, "fix", "--yes")
    sample = FIX_SAMPLE.search((PROJECT / "README.md").read_text())
    assert sample is not None, "README.md has no fix sample"
    printed = result.stdout.replace(str(root.path), "/mnt")
    assert (result.returncode, _normalised(printed), result.stderr) == (
        0, _normalised(sample.group(1)), "")
