"""The built-in modules, playbooks and inventories must work from an installed wheel, outside the checkout."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
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
    _assert_no_moto_code(zipfile.ZipFile(wheel))

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import soc2ctl.registry as r, soc2ctl.config.shipped as res, pathlib;"
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


def _assert_no_moto_code(wheel: zipfile.ZipFile) -> None:
    """The product wheel holds no moto code: no sandbox package, no module that imports moto, and moto is
    not a dependency (only the `sandbox` extra pulls in soc2ctl-sandbox, which brings moto)."""
    names = wheel.namelist()
    assert not [n for n in names if "soc2ctl_sandbox" in n or "/sandbox/" in n or "moto_ext" in n]
    importing = [
        n
        for n in names
        if n.endswith(".py") and re.search(rb"^\s*(from|import)\s+moto\b", wheel.read(n), re.MULTILINE)
    ]
    assert importing == []
    metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert not [r for r in requires if "moto" in r]
    sandbox = [r for r in requires if "soc2ctl-sandbox" in r]
    assert sandbox and all("extra ==" in r for r in sandbox), sandbox


def test_sandbox_distribution_pins_the_moto_it_is_tested_with():
    """sandbox/pyproject.toml pins moto exactly, and the suite runs on that version (a moto upgrade is a
    deliberate change to that line, made with a full test run)."""
    from importlib.metadata import version

    project = tomllib.loads((ROOT / "sandbox" / "pyproject.toml").read_text())["project"]
    assert project["name"] == "soc2ctl-sandbox"
    pins = [d for d in project["dependencies"] if d.startswith("moto")]
    assert len(pins) == 1 and "==" in pins[0], pins
    assert pins[0].split("==")[1] == version("moto")
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extra["sandbox"] == ["soc2ctl-sandbox @ {root:uri}/sandbox"]


def test_the_product_package_imports_no_moto():
    """No module under soc2ctl/ or remediations/ mentions moto in an import (the sandbox owns all of it)."""
    offenders = [
        str(path.relative_to(ROOT))
        for top in ("soc2ctl", "remediations")
        for path in (ROOT / top).rglob("*.py")
        if re.search(r"^\s*(from|import)\s+(moto|soc2ctl_sandbox\.(moto_ext|seed))", path.read_text(), re.M)
    ]
    assert offenders == []
