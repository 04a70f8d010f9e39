"""The built-in modules, playbooks and inventories must work from an installed wheel, outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_modules_playbooks_and_inventories(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    wheel = next(tmp_path.glob("soc2ctl-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "remediations/ebs_default_encryption.py" in names
    assert "soc2ctl/bundled/playbooks/soc2-baseline.yml" in names
    assert "soc2ctl/bundled/inventories/sandbox.yml" in names
    assert not any(n.startswith("tests/") for n in names)

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import soc2ctl.engine.registry as r, soc2ctl.config.shipped as res, pathlib;"
        "import remediations;"
        "print(sorted(r.registry()), remediations.__file__, res.resolve(pathlib.Path('soc2-baseline'), 'playbooks'))"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path[:0] = [{str(site)!r}] + sys.path; {code}"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"{site}/remediations/__init__.py" in out
    assert f"{site}/soc2ctl/bundled/playbooks/soc2-baseline.yml" in out
    assert "'ebs-default-encryption'" in out and "'iam-password-policy'" in out
