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


def _build_wheel(source: Path, dist: Path) -> Path:
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist)]
    built = _run(*build, str(source), cwd=dist.parent)
    assert built.returncode == 0, built.stderr[-3000:]
    return max(dist.glob("*.whl"), key=lambda p: p.stat().st_mtime)


def test_wheel_installs_in_a_fresh_venv_and_runs_outside_the_repo(tmp_path):
    """`pip install soc2ctl` alone (no extra): controls, validate and iam-policy work, moto is absent, and
    the sandbox commands say how to get the sandbox in one line. Adding the soc2ctl-sandbox distribution
    (what the `sandbox` extra installs) makes them work."""
    dist, venv, elsewhere = tmp_path / "dist", tmp_path / "venv", tmp_path / "elsewhere"
    dist.mkdir()
    elsewhere.mkdir()
    wheel = _build_wheel(ROOT, dist)

    assert _run(sys.executable, "-m", "venv", str(venv), cwd=tmp_path).returncode == 0
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    installed = _run(*pip, str(wheel), cwd=tmp_path, timeout=900)
    assert installed.returncode == 0, installed.stderr[-3000:]

    env = _clean_env(tmp_path / "home")
    soc2ctl = str(venv / "bin" / "soc2ctl")
    python = str(venv / "bin" / "python")
    where = _run(python, "-c", "import soc2ctl; print(soc2ctl.__file__)", cwd=elsewhere, env=env)
    assert where.stdout.startswith(str(venv)), where.stdout  # the installed copy, not the checkout
    no_moto = _run(python, "-c", "import moto", cwd=elsewhere, env=env)
    assert no_moto.returncode != 0 and "No module named 'moto'" in no_moto.stderr

    controls = _run(soc2ctl, "controls", cwd=elsewhere, env=env)
    assert controls.returncode == 0, controls.stderr
    assert "iam-password-policy" in controls.stdout and "s3-account-public-access-block" in controls.stdout

    valid = _run(soc2ctl, "validate", "soc2-baseline", "-i", "sandbox", cwd=elsewhere, env=env)
    assert valid.returncode == 0 and "controls valid" in valid.stdout, valid.stdout + valid.stderr

    policy = _run(
        soc2ctl, "iam-policy", "soc2-baseline", cwd=elsewhere, env=env
    )  # a shipped playbook by name
    assert policy.returncode == 0 and '"Version": "2012-10-17"' in policy.stdout, policy.stderr

    for command in (["sandbox", "status"], ["plan", "soc2-baseline", "-i", "sandbox"]):
        missing = _run(soc2ctl, *command, cwd=elsewhere, env=env)
        assert missing.returncode == 1, missing.stdout + missing.stderr
        assert missing.stderr.strip().splitlines() == [
            "error: the sandbox organization is not installed: pip install 'soc2ctl[sandbox]'"
        ]

    sandbox_wheel = _build_wheel(ROOT / "sandbox", dist)
    assert sandbox_wheel.name.startswith("soc2ctl_sandbox-")
    with_sandbox = _run(*pip, str(sandbox_wheel), cwd=tmp_path, timeout=900)
    assert with_sandbox.returncode == 0, with_sandbox.stderr[-3000:]
    status = _run(soc2ctl, "sandbox", "status", cwd=elsewhere, env=env)
    assert status.returncode == 3, status.stderr  # not running: the test never starts it
    assert "soc2ctl sandbox up" in status.stdout
