"""One drift run, in the order that keeps it safe: evidence first, read, classify, decide, apply within the
limits, tell people, seal (the run service, soc2ctl.run.service.drift, opens the evidence and seals it).

Why this order: the evidence sink is opened before anything is read (no evidence, no run); the history is
read from that same store; nothing is changed until the whole organization has been read and the blast
radius is known (a limit applies to the run, not to the first N tasks); notifications go out before the
run is sealed so that what was sent is part of the record.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from soc2ctl.aws.sessions import AccountAccessError
from soc2ctl.drift import findings, history, notify, summary
from soc2ctl.drift.classify import DriftItem, classify, out_of_state
from soc2ctl.drift.policy import Decision, decide, resolve_limits
from soc2ctl.engine.executor import TaskResult
from soc2ctl.evidence import chain
from soc2ctl.evidence.sinks import SinkError

if TYPE_CHECKING:
    from soc2ctl.engine.tasks import Task
    from soc2ctl.evidence import EvidenceWriter
    from soc2ctl.run.builder import Run

log = logging.getLogger(__name__)


@dataclass
class DriftOptions:
    remediate: bool = False
    max_changes: int | None = None
    max_per_account: int | None = None
    notify: list[str] = field(default_factory=list)
    findings: str | None = None
    fail_on: frozenset[str] = frozenset()  # `--fail-on detect`: open detect-only findings exit 2 too


def check_options(opts: DriftOptions) -> list[str]:
    """Bad targets are refused before the run reads anything. Returns the SNS topic ARNs."""
    return [notify.parse_target(t) for t in opts.notify]


def run_drift(run: Run, writer: EvidenceWriter, opts: DriftOptions, topics: list[str]) -> dict[str, Any]:
    """The drift summary, stored as the run's `drift.json` in the evidence `writer` (which the run service
    opened before this reads anything, and seals after)."""
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    planned = run.executor.plan()
    priors = history.last_known(writer.sink, {k for k, r in planned.items() if out_of_state(r)})
    items = classify(planned, priors)
    limits = resolve_limits(opts.max_changes, opts.max_per_account, run.playbook.spec.drift)
    decision = decide(items, run.graph, limits, remediate=opts.remediate)
    execute(run, writer, planned, items, decision)
    doc = summary.document(run, items, decision, limits, remediate=opts.remediate, started_at=started)
    doc["notifications"] = send(run, doc, items, topics, opts.findings)
    store(run, writer, doc)
    return doc


# ---------------------------------------------------------------- apply within the decision


def execute(
    run: Run,
    writer: EvidenceWriter,
    planned: dict[str, TaskResult],
    items: list[DriftItem],
    decision: Decision,
) -> None:
    """Apply the decided tasks in graph order; every other task keeps its plan result. Each task is
    recorded once, as it completes (so a run that dies half-way still records its changes)."""
    if not decision.apply:
        writer.record_all(planned.values())
        return
    wanted = set(decision.apply)

    def work(task: Task) -> TaskResult:
        if task.key in wanted:  # the plan's fingerprint: a target that moved since is refused, not changed
            return run.executor.apply_one(task, planned[task.key].fingerprint)
        return planned[task.key]

    writer.executor = run.executor  # a failing sink stops further changes
    results = run.executor.run(work, on_done=writer.on_done)
    for item in items:
        if item.key in wanted:
            item.after = results[item.key]
            item.remediation = {"changed": "applied", "ok": "nothing-left"}.get(
                item.after.status, item.after.status
            )


# ---------------------------------------------------------------- notifications


def send(
    run: Run, doc: dict[str, Any], items: list[DriftItem], topics: list[str], target: str | None
) -> dict[str, Any]:
    """Security Hub first (it reflects state), then SNS (it tells people, including about findings that
    failed). A failing notification is reported and makes the run exit 1; it never hides the summary."""
    sent: dict[str, Any] = {}
    if target == "securityhub":
        sent["securityhub"] = _guard(lambda: _securityhub(run, items).to_json())
    if topics:
        sent["sns"] = [_sns(run, arn, doc) for arn in topics]
    return sent


def _guard(fn: Any) -> dict[str, Any]:
    try:
        return fn()
    except (ClientError, BotoCoreError, AccountAccessError) as exc:
        log.debug("notification failed", exc_info=True)
        return {"error": str(exc)}


def _securityhub(run: Run, items: list[DriftItem]) -> findings.FindingsResult:
    account, region = run.sessions.caller_account, run.inventory.home_region
    client = run.sessions.client(account, region, "securityhub")
    return findings.sync(client, items, account=account, region=region, run_id=run.run_id)


def _sns(run: Run, arn: str, doc: dict[str, Any]) -> dict[str, Any]:
    if not summary.is_alert(doc):
        return {"topic": arn, "sent": False}

    def publish() -> dict[str, Any]:
        client = run.sessions.client(run.sessions.caller_account, notify.topic_region(arn), "sns")
        return {
            "topic": arn,
            "sent": True,
            "message_id": notify.publish(client, arn, {**doc, "notifications": {}}),
        }

    return {"topic": arn, **_guard(publish)}


# ---------------------------------------------------------------- evidence


def store(run: Run, writer: EvidenceWriter, doc: dict[str, Any]) -> None:
    """Store the summary as the run's `drift.json` (the classifications the next run reads back). A failing
    sink is recorded on the writer: sealing then raises EvidenceFailed, so a drift run whose evidence is
    incomplete fails loudly."""
    try:
        writer.add_document(chain.run_key(run.run_id, history.DRIFT_FILE), doc)
    except SinkError as exc:
        writer.failure = writer.failure or str(exc)
