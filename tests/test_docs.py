"""The docs a newcomer follows must work: every `sh` block of docs/getting-started.md is run, in order, in
one shell, against the sandbox (SOC2CTL_HOME in tmp_path, so it is a private sandbox), from a directory
outside the repository. Links between the docs must resolve, and the control catalog must be current."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from soc2ctl import registry
from soc2ctl.engine import catalog

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.M | re.S)
MINE = ["getting-started.md", "inventory.md", "playbook.md", "controls.md", "architecture.md"]


def sh_blocks(path: Path) -> list[str]:
    return [m.group(3) for m in FENCE.finditer(path.read_text()) if m.group(2) == "sh"]


def test_getting_started_only_runs_soc2ctl_offline():
    commands = [line for block in sh_blocks(DOCS / "getting-started.md") for line in block.splitlines()]
    assert commands and all(c.startswith("soc2ctl ") for c in commands if c.strip())
    joined = "\n".join(commands)
    for needed in ("soc2ctl sandbox up", "soc2ctl validate", "soc2ctl plan", "soc2ctl iam-policy"):
        assert needed in joined
    assert commands[-1] == "soc2ctl sandbox down"


def test_getting_started_commands_run(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"},
        "SOC2CTL_HOME": str(tmp_path / "home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "NO_COLOR": "1",
    }
    script = "set -euxo pipefail\n" + "\n".join(sh_blocks(DOCS / "getting-started.md"))
    try:
        result = subprocess.run(
            ["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=3600
        )
    finally:
        subprocess.run(["soc2ctl", "sandbox", "down"], env=env, capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    assert (work / "plan.json").is_file() and (work / "plan.md").read_text().strip()
    assert '"sts:AssumeRole"' in result.stdout  # the caller policy, printed last
    assert "Version" in (work / "soc2ctl-apply-policy.json").read_text()


def test_links_between_docs_resolve():
    for name in MINE:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", (DOCS / name).read_text()):
            assert (DOCS / target).exists(), f"docs/{name} links to missing {target}"


def test_control_catalog_is_current():
    current = catalog.markdown(registry.registry().values())
    assert (DOCS / "controls.md").read_text() == current, (
        "docs/controls.md is stale; regenerate it with: soc2ctl controls --format markdown > docs/controls.md"
    )


def test_controls_command_prints_the_catalog():
    from typer.testing import CliRunner

    from soc2ctl.cli.main import app

    result = CliRunner().invoke(app, ["controls", "--format", "markdown"])
    assert result.exit_code == 0
    assert result.stdout == catalog.markdown(registry.registry().values())
