"""`evidence report`: from sealed runs to what an auditor asks for, per SOC 2 criterion.

Each task record is an observation of one target (control × account × region) at one time: in state, out of
state, or unknown. A plan or drift run observes once; an apply observes before (its re-read) and after (its
verifying re-read). A drift is a target seen in state and later out of state; its window runs from the last
observation in state (the latest it can have started) through the first one out of state (when it was
found) to the first one in state again (when it was restored). A target that was never seen in state is
non-compliant from the start, not drifted: that shows in the status and in the changes that fixed it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from soc2ctl.evidence import batches
from soc2ctl.evidence.chain import run_key
from soc2ctl.evidence.sinks import Sink, SinkError
from soc2ctl.evidence.verify import Verification, verify

# Cell statuses, worst first: a matrix cell shows the worst status of the target's regions.
STATUSES = ("out", "detect", "restored", "unknown", "excepted", "in", "none")
STATUS_LABELS = {
    "out": "out of state",
    "detect": "finding open (manual fix)",
    "restored": "drifted, restored",
    "unknown": "not readable",
    "excepted": "exception",
    "in": "in state",
    "none": "not evaluated",
}


@dataclass
class Observation:
    at: str
    state: str  # in | out | unknown
    run_id: str
    kind: str
    action: str


@dataclass
class Drift:
    key: str
    control: str
    account_id: str
    account_name: str
    region: str | None
    last_in_state: str
    first_seen: str
    first_seen_run: str
    restored: str | None
    restored_run: str | None

    @property
    def window(self) -> str:
        """How long the target was out of state at most: last seen in state to restored (or still open)."""
        if self.restored is None:
            return "open"
        seconds = int(
            (
                dt.datetime.fromisoformat(self.restored) - dt.datetime.fromisoformat(self.last_in_state)
            ).total_seconds()
        )
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        return (
            f"{days}d {hours:02d}:{minutes:02d}:{seconds:02d}"
            if days
            else f"{hours:02d}:{minutes:02d}:{seconds:02d}"
        )


@dataclass
class Report:
    location: str
    since: dt.date
    generated_at: str
    integrity: Verification
    runs: list[dict[str, Any]] = field(default_factory=list)
    criteria: dict[str, list[str]] = field(default_factory=dict)  # criterion -> control ids
    controls: list[str] = field(default_factory=list)
    accounts: dict[str, str] = field(default_factory=dict)  # id -> name
    matrix: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, control) -> status
    drifts: list[Drift] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)


def load_runs(sink: Sink, integrity: Verification) -> list[dict[str, Any]]:
    """Every sealed run with its metadata, summary and records, in chain order. Unreadable parts are
    skipped here: verify already named them in `integrity`."""
    runs = []
    for seq, seal in sorted(integrity.seals.items()):
        run_id = seal.get("run_id")
        files = seal.get("files") or {}
        try:
            meta = json.loads(sink.get(run_key(run_id, "run.json")))
        except (SinkError, ValueError):
            continue
        records = []
        for key in sorted(k for k in files if batches.is_task_file(k)):
            try:
                records += batches.read_records(sink, key)
            except (SinkError, ValueError):
                continue
        runs.append({"seq": seq, "meta": meta, "records": records})
    return runs


def observations(run: dict[str, Any]) -> list[tuple[dict[str, Any], Observation]]:
    meta = run["meta"]
    found = []
    for rec in run["records"]:
        found.append(
            (
                rec,
                Observation(
                    rec["recorded_at"], rec["state_before"], meta["run_id"], meta["kind"], rec["action"]
                ),
            )
        )
        if rec.get("state_after"):
            found.append(
                (
                    rec,
                    Observation(
                        rec["recorded_at"], rec["state_after"], meta["run_id"], meta["kind"], "verified"
                    ),
                )
            )
    return found


def timelines(runs: list[dict[str, Any]]) -> dict[str, list[tuple[dict[str, Any], Observation]]]:
    """Per target, its observations in time order (stable, so an apply's before precedes its after)."""
    by_key: dict[str, list[tuple[dict[str, Any], Observation]]] = defaultdict(list)
    for run in runs:
        for rec, obs in observations(run):
            by_key[rec["key"]].append((rec, obs))
    for items in by_key.values():
        items.sort(key=lambda item: item[1].at)
    return by_key


def drift_windows(key: str, items: list[tuple[dict[str, Any], Observation]]) -> list[Drift]:
    drifts: list[Drift] = []
    last_in: str | None = None
    current: Drift | None = None
    for rec, obs in items:
        if obs.state == "in":
            if current is not None:
                current.restored, current.restored_run = obs.at, obs.run_id
                current = None
            last_in = obs.at
        elif obs.state == "out" and last_in is not None and current is None:
            current = Drift(
                key,
                rec["control"],
                rec["account_id"],
                rec.get("account_name") or "",
                rec.get("region"),
                last_in,
                obs.at,
                obs.run_id,
                None,
                None,
            )
            drifts.append(current)
    return drifts


def cell_status(items: list[tuple[dict[str, Any], Observation]], since: str, drifted: bool) -> str:
    """One target's status over the period: the latest state, marked `restored` when it drifted in it."""
    states = [(rec, obs) for rec, obs in items if obs.at >= since]
    if not states:
        return "none"
    rec, last = states[-1]
    if rec["action"] == "excepted":  # a playbook exception covered the target when it was last read
        return "excepted"
    if last.state == "out":
        return "detect" if rec["action"] == "detect" and last.action != "verified" else "out"
    if last.state == "unknown":
        return "unknown"
    return "restored" if drifted else "in"


def worst(a: str, b: str) -> str:
    return a if STATUSES.index(a) <= STATUSES.index(b) else b


def build_report(sink: Sink, since: dt.date, today: dt.date | None = None) -> Report:
    integrity = verify(sink)
    report = Report(sink.location, since, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), integrity)
    runs = load_runs(sink, integrity)
    start = since.isoformat()
    report.runs = [_run_row(r) for r in runs if r["meta"].get("started_at", "") >= start]
    _catalog(report, runs)
    _status_and_drift(report, runs, start)
    report.changes = _changes(runs, start)
    report.exceptions = _open_exceptions(runs, today or dt.datetime.now(dt.UTC).date())
    _apply_exceptions(report)
    return report


def _run_row(run: dict[str, Any]) -> dict[str, Any]:
    meta = run["meta"]
    statuses: dict[str, int] = defaultdict(int)
    for rec in run["records"]:
        statuses[rec["status"]] += 1
    return {
        "seq": run["seq"],
        "run_id": meta["run_id"],
        "kind": meta["kind"],
        "started_at": meta.get("started_at"),
        "caller": (meta.get("caller") or {}).get("arn"),
        "approval": (meta.get("approval") or {}).get("ref"),
        "tasks": len(run["records"]),
        "statuses": dict(statuses),
    }


def _catalog(report: Report, runs: list[dict[str, Any]]) -> None:
    """Criteria, controls and accounts as the runs saw them (newest definition wins)."""
    criteria: dict[str, set[str]] = defaultdict(set)
    controls: dict[str, None] = {}
    for run in runs:
        for control in run["meta"].get("controls", []):
            controls[control["id"]] = None
            for criterion in control.get("criteria") or ["(none)"]:
                criteria[criterion].add(control["id"])
        for rec in run["records"]:
            controls.setdefault(rec["control"], None)
            report.accounts[rec["account_id"]] = rec.get("account_name") or rec["account_id"]
            for criterion in rec.get("criteria") or []:
                criteria[criterion].add(rec["control"])
    report.controls = list(controls)
    report.criteria = {c: sorted(ids) for c, ids in sorted(criteria.items())}


def _status_and_drift(report: Report, runs: list[dict[str, Any]], start: str) -> None:
    for key, items in timelines(runs).items():
        rec = items[0][0]
        windows = drift_windows(key, items)
        in_period = [d for d in windows if d.restored is None or d.restored >= start]
        report.drifts += in_period
        cell = (rec["account_id"], rec["control"])
        status = cell_status(items, start, bool(in_period))
        report.matrix[cell] = worst(report.matrix.get(cell, "none"), status)
    report.drifts.sort(key=lambda d: (d.first_seen, d.key))


def _changes(runs: list[dict[str, Any]], start: str) -> list[dict[str, Any]]:
    """Every change made (apply or drift run), with the approval it was made under."""
    rows = []
    for run in runs:
        meta = run["meta"]
        approval = meta.get("approval") or {}
        for rec in run["records"]:
            if rec["status"] != "changed" or rec["recorded_at"] < start:
                continue
            rows.append(
                {
                    "at": rec["recorded_at"],
                    "run_id": meta["run_id"],
                    "kind": meta["kind"],
                    "control": rec["control"],
                    "account_id": rec["account_id"],
                    "account_name": rec.get("account_name"),
                    "region": rec.get("region"),
                    "changes": rec.get("changes", []),
                    "request_ids": [a["request_id"] for a in rec.get("actions", []) if a.get("request_id")],
                    "approval_ref": approval.get("ref"),
                    "approver": approval.get("approver") or (meta.get("caller") or {}).get("arn"),
                    "plan_sha256": approval.get("plan_sha256") or meta.get("plan_sha256"),
                }
            )
    return sorted(rows, key=lambda r: r["at"])


def _open_exceptions(runs: list[dict[str, Any]], today: dt.date) -> list[dict[str, Any]]:
    """The newest run's playbook exceptions that have not expired."""
    if not runs:
        return []
    found = []
    for control in runs[-1]["meta"].get("controls", []):
        for exc in control.get("exceptions", []):
            if dt.date.fromisoformat(exc["expires"]) >= today:
                found.append({"control": control["id"], **exc})
    return found


def _apply_exceptions(report: Report) -> None:
    """A cell under an open exception shows it, unless it is in state anyway."""
    for exc in report.exceptions:
        for (account_id, control), status in report.matrix.items():
            name = report.accounts.get(account_id)
            covered = not exc["accounts"] or account_id in exc["accounts"] or name in exc["accounts"]
            if control == exc["control"] and covered and status not in ("in", "none"):
                report.matrix[(account_id, control)] = "excepted"
