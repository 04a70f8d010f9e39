"""What a run needs from whoever started it, and what it hands back.

The run service decides (what to read, whether to ask, what to apply, the exit code); a front end (the CLI
is one) only shows: progress, the plan before the question, the answer, the result document. A run calls
its front end through `Frontend` and never prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from soc2ctl.run.evidence import EvidenceSettings

if TYPE_CHECKING:
    from soc2ctl.run.builder import Run


@dataclass(frozen=True)
class RunRequest:
    """The inputs of one run. `playbook` and `inventory` may name shipped files; for `apply`, `playbook`
    may be a plan saved with `plan --out` (then `inventory`, `limit` and `controls` stay empty)."""

    playbook: Path
    inventory: Path | None = None
    limit: str | None = None
    controls: list[str] | None = None
    profile: str | None = None
    parallelism: int = 16
    extra_vars: dict[str, Any] = field(default_factory=dict)
    evidence: EvidenceSettings = field(default_factory=EvidenceSettings)


@dataclass
class RunReport:
    """A run's result, handed to the front end before its evidence is sealed."""

    kind: str  # plan | apply | drift
    run_id: str
    doc: dict[str, Any]  # the plan document (plan, apply) or the drift summary
    results: list[dict[str, Any]] | None = None  # apply: one record per task
    approval: dict[str, Any] | None = None
    stopped: str | None = None  # apply: "nothing to apply"
    saved: Path | None = None  # plan --out


class Frontend(Protocol):
    def started(self, run: Run) -> None:
        """A fresh run is built: its tasks are known (show progress)."""

    def planned(self, doc: dict[str, Any]) -> None:
        """apply: the plan the approval question is about."""

    def approve(self) -> bool:
        """apply without --auto-approve: may these changes be applied?"""

    def say(self, text: str) -> None:
        """A line for a human reading the result (stdout, text output only)."""

    def note(self, text: str) -> None:
        """A line beside the result (stderr): where the evidence is, why nothing was done."""

    def report(self, report: RunReport) -> None:
        """The result document."""
