"""Each planned task as a drift run reports it: in state, drift, never-compliant, excepted, or error.

Why the distinction matters: drift (a setting that was right and was changed, typically by hand) is a
change-management event an auditor asks about (CC8.1) and the thing auto-remediation is for; a target that
was never in state is onboarding work, not an incident. An expired exception is reported as drift and
flagged, because the accepted risk ran out and nobody renewed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from soc2ctl.drift.history import Prior
from soc2ctl.engine.executor import TaskResult
from soc2ctl.engine.plan import CHANGING

IN_STATE = "in-state"
DRIFT = "drift"
NEVER_COMPLIANT = "never-compliant"
EXCEPTED = "excepted"
ERROR = "error"
NON_COMPLIANT = frozenset({DRIFT, NEVER_COMPLIANT})


@dataclass
class DriftItem:
    """One task of a drift run: its plan result, classification, and what the run did about it."""

    result: TaskResult
    classification: str
    since: str | None = None
    exception_expired: bool = False
    remediation: str | None = (
        None  # applied | failed | not-auto | held | limit-exceeded | not-requested | ...
    )
    reason: str | None = None
    after: TaskResult | None = None  # the apply result, when the task was remediated

    @property
    def key(self) -> str:
        return self.result.task.key

    @property
    def restored(self) -> bool:
        return self.after is not None and self.after.status == "changed"

    @property
    def still_out(self) -> bool:
        """Non-compliant at the end of the run: found out of state and not restored by it."""
        return self.classification in NON_COMPLIANT and not self.restored


def out_of_state(result: TaskResult) -> bool:
    return result.action in CHANGING or result.action == "detect"


def classify_one(result: TaskResult, prior: Prior | None) -> DriftItem:
    expired = result.task.exception.expired is not None and result.task.exception.task is None
    if result.action == "excepted":
        return DriftItem(result, EXCEPTED)
    if result.action in ("error", "skipped"):
        return DriftItem(result, ERROR)
    if not out_of_state(result):
        return DriftItem(result, IN_STATE)
    if expired:
        return DriftItem(result, DRIFT, prior.since if prior else None, exception_expired=True)
    if prior is None:
        return DriftItem(result, NEVER_COMPLIANT)
    return DriftItem(result, prior.classification, prior.since)


def classify(results: dict[str, TaskResult], priors: dict[str, Prior]) -> list[DriftItem]:
    """In graph order, like the plan."""
    return [classify_one(r, priors.get(key)) for key, r in results.items()]
