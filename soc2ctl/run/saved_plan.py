"""Saved plans: write, load, prove current, apply; and the record of who approved the run.

A reviewer approves the plan, not the playbook, so applying a saved plan must change exactly what the plan
showed. Apply is two-phase: phase 1 re-reads every planned task (changing or not) and compares the
observed-state fingerprint, the computed changes and the task set with the plan, plus the playbook and
inventory hashes; any difference refuses the whole apply before a single write. Phase 2 applies, and the
executor checks each fingerprint once more just before writing, which closes most of the window between
the phases. No-op tasks are checked too: if one drifted since the plan, applying would now change something
nobody reviewed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from soc2ctl import __version__
from soc2ctl.aws.sessions import AccountAccessError
from soc2ctl.config.playbook import file_sha256
from soc2ctl.config.safe_input import loads_json, read_text
from soc2ctl.engine.executor import TaskResult
from soc2ctl.engine.plan import FORMAT_VERSION, is_secret_key, redact, task_json
from soc2ctl.errors import Problem, UserError
from soc2ctl.run.builder import Run, prepare_run
from soc2ctl.run.plan_binding import body_sha256, check_shape
from soc2ctl.run.plan_shape import shape_problem

REQUIRED_KEYS = (
    "format_version",
    "run_id",
    "playbook",
    "inventory",
    "run",
    "tasks",
    "summary",
    "plan_sha256",
)


class StalePlan(UserError):
    """The world, the playbook or the inventory moved since the plan was made: nothing was applied."""


# ---------------------------------------------------------------- save and load


def run_section(
    run: Run, *, limit: str | None, controls: list[str] | None, extra_vars: dict[str, Any]
) -> dict[str, Any]:
    """What apply needs to re-create the run. Secret-named or secret-looking extra vars are not stored
    (the file must not hold secrets); their names are, and apply asks for them again."""
    kept = {k: v for k, v in extra_vars.items() if not _secret_var(k, v)}
    return {
        "playbook_name": run.playbook.spec.name,
        "playbook_path": str(Path(run.playbook.path).resolve()),
        # every playbook of the run: those given, then every file read (imports too) with its hash, and
        # where imports could lead, so apply re-reads exactly this set (soc2ctl.config.playbook_imports)
        "playbook_paths": [str(Path(p).resolve()) for p in run.playbook_paths],
        "playbooks": run.playbook.sources_json(),
        "import_roots": [str(r) for r in run.import_roots],
        "inventory_path": str(Path(run.inventory.path).resolve()),
        "limit": limit,
        "controls": controls,
        "extra_vars": kept,
        "redacted_vars": sorted(set(extra_vars) - set(kept)),
        "warnings": list(run.warnings),  # e.g. the management account left out: the reviewer must see it
    }


def _secret_var(key: str, value: Any) -> bool:
    return is_secret_key(key) or redact(value) != value


def save(doc: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def is_plan_file(path: Path) -> bool:
    """A JSON object with `format_version` and `tasks`: what `plan --out` writes. Anything else is taken
    for a playbook, so `apply PLAYBOOK -i INV` keeps working."""
    if not path.is_file():  # stat only: a FIFO or device is never opened here
        return False
    try:
        with path.open("rb") as fh:
            if fh.read(64).lstrip()[:1] != b"{":
                return False
        doc = loads_json(read_text(path), str(path))
    except (OSError, ValueError, UserError):
        return False
    return isinstance(doc, dict) and "format_version" in doc and "tasks" in doc


def load(path: Path) -> dict[str, Any]:
    """Read a saved plan for `show` or `apply`; a malformed file is one clear error."""
    try:
        doc = loads_json(read_text(path), "plan")
    except ValueError as exc:
        raise UserError(Problem(f"not a readable plan file: {exc}", str(path))) from None
    if not isinstance(doc, dict) or "tasks" not in doc or "format_version" not in doc:
        raise UserError(Problem("not a soc2ctl plan (no format_version/tasks)", str(path)))
    if (problem := shape_problem(doc)) is not None:
        raise UserError(Problem(f"not a well-formed soc2ctl plan: {problem}", str(path)))
    if doc["format_version"] != FORMAT_VERSION:
        raise UserError(
            Problem(
                f"plan format_version {str(doc['format_version'])[:40]}, this soc2ctl reads {FORMAT_VERSION}",
                str(path),
            )
        )
    check_shape(doc, path)
    return doc


def tampered(doc: dict[str, Any]) -> bool:
    """Whether the file was edited after `plan` wrote it (its content no longer matches `plan_sha256`)."""
    return doc.get("plan_sha256") != body_sha256(doc)


# ---------------------------------------------------------------- phase 0: the file itself


def check_applicable(doc: dict[str, Any], path: Path) -> None:
    """Refuse plans that cannot be proven current before touching AWS: edited, incomplete, from another
    tool version, or made from a playbook/inventory that has changed since."""
    where = str(path)
    if missing := [k for k in REQUIRED_KEYS if k not in doc or doc[k] is None]:
        raise UserError(Problem(f"cannot apply: the plan lacks {', '.join(missing)}", where))
    if tampered(doc):
        raise StalePlan(Problem("the plan file was modified after it was made (plan_sha256 differs)", where))
    if doc.get("tool_version") != __version__:
        raise StalePlan(
            Problem(f"the plan was made by soc2ctl {doc.get('tool_version')}, this is {__version__}", where)
        )
    if doc.get("interrupted"):
        raise StalePlan(Problem("the plan was interrupted and is incomplete; make a new plan", where))
    problems = [p for kind in ("playbook", "inventory") if (p := _source_problem(doc, kind, where))]
    problems += [p for f in doc["run"].get("playbooks") or [] if (p := _file_problem(f, "playbook", where))]
    if problems:
        raise StalePlan(list(dict.fromkeys(problems)))


def _source_problem(doc: dict[str, Any], kind: str, where: str) -> Problem | None:
    return _file_problem({"path": doc["run"][f"{kind}_path"], "sha256": doc[kind]["sha256"]}, kind, where)


def _file_problem(recorded: Any, kind: str, where: str) -> Problem | None:
    if not isinstance(recorded, dict) or not all(
        isinstance(recorded.get(k), str) for k in ("path", "sha256")
    ):
        return Problem("not a valid soc2ctl plan: run.playbooks: expected {path, sha256} entries", where)
    path = Path(recorded["path"])
    try:
        now = file_sha256(path)
    except (OSError, ValueError) as exc:
        return Problem(
            f"stale plan: the {kind} {path} cannot be read: {getattr(exc, 'strerror', None) or exc}", where
        )
    if now != recorded["sha256"]:
        return Problem(
            f"stale plan: the {kind} {path} changed since the plan was made "
            f"(sha256 {recorded['sha256'][:12]}… at plan, {now[:12]}… now); nothing was applied",
            where,
        )
    return None


def prepare(doc: dict[str, Any], *, extra_vars: dict[str, Any], profile: str | None, parallelism: int) -> Run:
    """Re-create the planned run: same files, limit, controls and variables; a new run id (an apply is its
    own run in CloudTrail). Only the redacted (secret) extra vars may be given again, and all of them must."""
    section = doc["run"]
    redacted = set(section.get("redacted_vars") or [])
    if unexpected := sorted(set(extra_vars) - redacted):
        raise UserError(f"--extra-vars {', '.join(unexpected)}: a saved plan carries its variables")
    if missing := sorted(redacted - set(extra_vars)):
        raise UserError(f"the plan's secret variables are not stored; pass them again: -e {missing[0]}=...")
    roots = section.get("import_roots")
    run = prepare_run(
        [Path(p) for p in section.get("playbook_paths") or [section["playbook_path"]]],
        Path(section["inventory_path"]),
        profile=profile,
        limit=section.get("limit"),
        controls=section.get("controls"),
        extra_vars={**section.get("extra_vars", {}), **extra_vars},
        parallelism=parallelism,
        import_roots=[Path(r) for r in roots] if roots is not None else None,
    )
    if "playbooks" in section and run.playbook.sources_json() != section["playbooks"]:
        raise StalePlan(
            "stale plan: the playbooks read now (imports included) are not the set the plan was made from; "
            "nothing was applied"
        )
    return run


# ---------------------------------------------------------------- phase 1: still current?


def stale_tasks(doc: dict[str, Any], fresh: dict[str, TaskResult]) -> list[str]:
    """One line per task that differs between the plan and what was just read, in plan order."""
    planned = {t["key"]: t for t in doc["tasks"]}
    now = {key: task_json(r) for key, r in fresh.items()}
    lines = [f"{key}: in the plan, but no longer a task of this run" for key in planned if key not in now]
    lines += [f"{key}: a task of this run, but not in the plan" for key in now if key not in planned]
    for key, task in planned.items():
        if key in now and (reason := _task_difference(task, now[key])):
            lines.append(f"{key} ({task['account_name']}): {reason}")
    return lines


def _task_difference(planned: dict[str, Any], now: dict[str, Any]) -> str | None:
    if now["action"] in ("error", "skipped") and planned["action"] != now["action"]:
        return f"cannot be re-read: {now['error']}"
    if planned["fingerprint"] != now["fingerprint"]:
        return (
            f"observed state changed since the plan (fingerprint {_short(planned['fingerprint'])} at plan, "
            f"{_short(now['fingerprint'])} now)"
        )
    if planned["changes"] != now["changes"] or planned["action"] != now["action"]:
        return "desired state changed since the plan (variables, templates or discovered inventory)"
    reached = planned.get("affected_accounts")
    if reached is not None and sorted(reached) != sorted(now.get("affected_accounts") or []):
        return (
            f"blast radius changed since the plan ({len(reached)} account(s) reached then, "
            f"{len(now.get('affected_accounts') or [])} now): the organization changed"
        )
    return None


def _short(fp: str | None) -> str:
    return "none" if fp is None else fp[:19] + "…"


def ensure_current(doc: dict[str, Any], run: Run, path: Path) -> dict[str, TaskResult]:
    """Phase 1: read every task (no writes) and refuse, naming each stale task, if anything moved."""
    fresh = run.executor.plan()
    if run.executor.interrupted:
        raise KeyboardInterrupt
    if lines := stale_tasks(doc, fresh):
        raise StalePlan(
            [
                Problem(
                    f"stale plan: {len(lines)} task(s) differ from what was planned; nothing was applied. "
                    "Make a new plan and have it reviewed.",
                    str(path),
                ),
                *(Problem(f"  stale: {line}") for line in lines),
            ]
        )
    return fresh


# ---------------------------------------------------------------- phase 2: apply


def apply_current(doc: dict[str, Any], run: Run) -> dict[str, TaskResult]:
    """Phase 2: apply in graph order; the executor re-checks each planned fingerprint right before it
    writes, so drift in the seconds after phase 1 fails that task instead of applying unreviewed changes."""
    expected = {t["key"]: t["fingerprint"] for t in doc["tasks"] if t["fingerprint"] is not None}
    return run.executor.apply(expected)


# ---------------------------------------------------------------- the run record


def approval_record(
    run: Run, plan_sha256: str, ref: str | None, binding: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Who applied which plan under which change ticket. The approver is the caller identity ARN: the
    credentials that actually wrote, not a name typed on the command line. `binding` (a saved plan) adds
    the hash the reviewer approved (`--plan-sha256`) and the key that verified the plan's signature, so the
    ticket, the hash and the signature are recorded together."""
    try:
        approver = run.sessions.caller_identity()["Arn"]
    except AccountAccessError as exc:
        raise UserError(f"cannot record the approver, nothing was applied: {exc}") from None
    return {"ref": ref, "approver": approver, "plan_sha256": plan_sha256, **(binding or {})}


def run_record(
    run: Run, plan_doc: dict[str, Any], approval: dict[str, Any], results: list[dict[str, Any]]
) -> dict[str, Any]:
    """The apply run as one JSON document, for evidence: what ran, from which plan, approved how, and each
    task's outcome (`results` as printed by `apply --format json`)."""
    return {
        "run_id": run.run_id,
        "tool_version": __version__,
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "caller": run.sessions.caller_identity()["Arn"],
        "playbook": plan_doc["playbook"],
        "inventory": plan_doc["inventory"],
        "plan_run_id": plan_doc["run_id"],
        "plan_sha256": plan_doc["plan_sha256"],
        "approval": approval,
        "results": results,
    }
