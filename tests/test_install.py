"""The wheel installs into a fresh virtual environment and works outside the repository.

This is what `pipx install soc2ctl` does: a new venv, the wheel and its dependencies from the package index,
the `soc2ctl` script on PATH. The venv is a plain `python -m venv` (no system site-packages, nothing from
the development venv), so a missing dependency or a file left out of the wheel fails here; the dependencies
come from the index through pip's cache (about 30 s on a warm cache). It runs in the normal suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _clean_env(home: Path) -> dict[str, str]:
    """The user's environment without anything that would let the checkout leak into the installed tool."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "AWS_ENDPOINT_URL")}
    return {**env, "SOC2CTL_HOME": str(home), "NO_COLOR": "1"}


def test_wheel_installs_in_a_fresh_venv_and_runs_outside_the_repo(tmp_path):
    dist, venv, elsewhere = tmp_path / "dist", tmp_path / "venv", tmp_path / "elsewhere"
    elsewhere.mkdir()
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist)]
    assert _run(*build, str(ROOT), cwd=tmp_path).returncode == 0
    wheel = next(dist.glob("soc2ctl-*.whl"))

    assert _run(sys.executable, "-m", "venv", str(venv), cwd=tmp_path).returncode == 0
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    installed = _run(*pip, f"{wheel}[sandbox]", cwd=tmp_path, timeout=600)
    assert installed.returncode == 0, installed.stderr[-3000:]

    env = _clean_env(tmp_path / "home")
    soc2ctl = str(venv / "bin" / "soc2ctl")
    where = _run(
        str(venv / "bin" / "python"), "-c", "import soc2ctl; print(soc2ctl.__file__)", cwd=elsewhere, env=env
    )
    assert where.stdout.startswith(str(venv)), where.stdout  # the installed copy, not the checkout

    controls = _run(soc2ctl, "controls", cwd=elsewhere, env=env)
    assert controls.returncode == 0, controls.stderr
    assert "iam-password-policy" in controls.stdout and "s3-account-public-access-block" in controls.stdout

    status = _run(soc2ctl, "sandbox", "status", cwd=elsewhere, env=env)
    assert status.returncode == 3, status.stderr  # not running: the test never starts it
    assert "soc2ctl sandbox up" in status.stdout

    policy = _run(
        soc2ctl, "iam-policy", "soc2-baseline", cwd=elsewhere, env=env
    )  # a shipped playbook by name
    assert policy.returncode == 0 and '"Version": "2012-10-17"' in policy.stdout, policy.stderr
