"""Scheduled drift runs: find what moved since the last recorded run, put back what the team allows, tell
people, and leave evidence.

One module, one job: `history` (the last known state of each task, from the evidence store),
`classify` (drift or never-compliant), `policy` (auto_remediate and the blast-radius limits),
`findings` (Security Hub, ASFF), `notify` (SNS), `summary` (the JSON document on stdout and in evidence),
`runner` (the run itself, in order). The run service (`soc2ctl.run.service.drift`) opens and seals the
run's evidence, holds the lock and decides the exit code; `soc2ctl.cli.drift` is the command.
"""

from __future__ import annotations

from soc2ctl.drift.runner import DriftOptions, check_options, run_drift

__all__ = ["DriftOptions", "check_options", "run_drift"]
