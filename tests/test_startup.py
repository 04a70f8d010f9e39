"""`soc2ctl --help`, `--version` and `controls` start fast: they import neither the engine nor boto3 nor moto.

Two measures, neither a wall-clock limit (a loaded machine must pass):
- what the command imports (exact, machine-independent): no boto3, moto, botocore clients, networkx, the
  executor, the run builder or the evidence engine, and `--version` not even rich or pydantic;
- CPU time as a ratio to `python -c pass` (best of a few runs each, user + system time of the child), with a
  generous bound, 60x: measured 11x/17x/25x (--version/--help/controls) at load 13 on 2 cores and
  14x/26x/39x at load 23 (a short baseline suffers less from contention, so the ratio grows with load). The
  import checks are the exact guard; the ratio catches a slow import that is not on the list.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

import pytest

RUNS = 5
MAX_RATIO = 60.0

PROBE = """
import io, json, sys, contextlib
sys.argv = ["soc2ctl", *json.loads(sys.argv[1])]
out = io.StringIO()
try:
    with contextlib.redirect_stdout(out):
        from soc2ctl.cli.main import main
        main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules), "out": out.getvalue()}))
"""

NEVER = ("boto3", "moto", "botocore.client", "botocore.session", "networkx", "jinja2", "soc2ctl_sandbox")
NEVER_OURS = (
    "soc2ctl.engine.executor",
    "soc2ctl.run.builder",
    "soc2ctl.evidence.records",
    "soc2ctl.aws.sessions",
)


def _probe(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["controls"]])
def test_fast_commands_import_no_engine_and_no_aws_sdk(args):
    result = _probe(*args)
    assert result["code"] in (0, None), result
    assert result["out"].strip()  # the command did its job
    loaded = set(result["modules"])
    assert not [m for m in (*NEVER, *NEVER_OURS) if m in loaded]


def test_version_imports_neither_rich_nor_pydantic():
    loaded = set(_probe("--version")["modules"])
    assert "rich" not in loaded and "pydantic" not in loaded


def _cpu_seconds(argv: list[str]) -> float:
    """Best of RUNS: user + system CPU time of the child (what the process costs, not how long it waited)."""
    best = float("inf")
    env = {**os.environ, "NO_COLOR": "1"}
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(argv, capture_output=True, check=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return best


def test_start_up_cost_is_a_small_multiple_of_the_interpreter_start():
    baseline = max(_cpu_seconds([sys.executable, "-c", "pass"]), 0.005)
    cli = [sys.executable, "-m", "soc2ctl.cli.main"]
    ratios = {
        " ".join(args): _cpu_seconds([*cli, *args]) / baseline
        for args in (["--help"], ["--version"], ["controls"])
    }
    print(f"python -c pass: {baseline * 1000:.0f} ms CPU; ratios: {ratios}")
    assert max(ratios.values()) < MAX_RATIO, ratios


# What `plan` never needs: drift's history/findings/notifications, apply's saved-plan checks and lock,
# cryptography (only offline public-key checks use it), rich (no terminal, nothing to colour) and Jinja
# (a playbook without templates: soc2ctl.config.template_engine).
PLAN_NEVER = (
    "soc2ctl.drift",
    "soc2ctl.run.apply",
    "soc2ctl.run.merge",
    "soc2ctl.run.lock",
    "cryptography",
    "rich",
    "jinja2",
)

PLAN_PROBE = """
import json, sys
from soc2ctl.cli.ui import Ui
import soc2ctl.cli.main, soc2ctl.run.service
from soc2ctl.run import builder, evidence, results, workers
Ui().note("warning: a note")
loaded = sorted(sys.modules)
from soc2ctl.run import service
names = [service.ApplyOptions.__name__, service.DriftOptions.__name__]
print(json.dumps({"loaded": loaded, "names": names}))
"""


def test_the_plan_path_loads_neither_drift_nor_apply_nor_cryptography_nor_jinja():
    done = subprocess.run([sys.executable, "-c", PLAN_PROBE], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    assert done.stderr == "warning: a note\n"
    assert not [m for m in result["loaded"] if m.split(".")[0] in PLAN_NEVER or m.startswith(PLAN_NEVER)]
    assert "soc2ctl.run.service" in result["loaded"] and "networkx" in result["loaded"]
    assert result["names"] == ["ApplyOptions", "DriftOptions"]  # still the service's, when asked for


def test_a_note_off_a_terminal_is_the_text_as_given_without_control_codes(capsys):
    from soc2ctl.cli.ui import Ui

    Ui().note("error: [bold]x[/bold] in acct\x07 one\rtwo\x1b[2J")
    assert capsys.readouterr().err == "error: [bold]x[/bold] in acct onetwo\x1b[2J\n"
