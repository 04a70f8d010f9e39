"""`soc2ctl merge PART... --out PLAN`: the saved plans of the shards of one run, joined into one plan.

The merged plan is what one unsharded `plan` would have saved, task for task (same keys, order, actions,
changes and fingerprints), so `show` renders it and `apply` applies it (whole, or again in shards) like any
plan. Merge refuses anything that would not add up to exactly one run: parts edited after they were made,
parts of different playbooks, inventories, options or tool versions, a missing or repeated shard, parts
whose machines discovered different organizations (the digest of the full task list differs), an
interrupted part.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from soc2ctl.engine.plan import canonical_sha256, new_run_id, summarize
from soc2ctl.errors import Problem, UserError
from soc2ctl.run import saved_plan

# These must be equal in every part: they define "the same run".
SAME = ("format_version", "tool_version", "playbook", "inventory", "run")


def part_document(doc: dict[str, Any], section: dict[str, Any]) -> dict[str, Any]:
    """A shard's plan document, marked as a part (rehashed: the shard section is part of what is signed)."""
    doc = {**doc, "shard": section}
    doc["plan_sha256"] = canonical_sha256(doc)
    return doc


def is_part(doc: dict[str, Any]) -> bool:
    return isinstance(doc.get("shard"), dict)


def refuse_part(doc: dict[str, Any], path: Path) -> None:
    """A part alone is a share of a plan nobody reviewed whole: apply the merged plan (with --shard)."""
    if is_part(doc):
        shard = doc["shard"]
        raise UserError(
            Problem(
                f"this is shard {shard.get('index')}/{shard.get('count')} of a plan: join the parts with "
                "`soc2ctl merge PART... --out PLAN`, review it, then apply PLAN (--shard I/N to split the apply)",
                str(path),
            )
        )


def load_parts(paths: list[Path]) -> list[tuple[Path, dict[str, Any]]]:
    parts = []
    for path in paths:
        doc = saved_plan.load(path)
        if not is_part(doc):
            raise UserError(Problem("not a shard of a plan (made without plan --shard)", str(path)))
        if saved_plan.tampered(doc):
            raise UserError(Problem("modified after it was made (plan_sha256 differs)", str(path)))
        if doc.get("interrupted"):
            raise UserError(
                Problem("this part was interrupted and is incomplete; plan the shard again", str(path))
            )
        parts.append((path, doc))
    return parts


def check_parts(parts: list[tuple[Path, dict[str, Any]]]) -> int:
    """Same run, every shard once, positions that tile the full task list exactly. Returns the task count."""
    first_path, first = parts[0]
    for path, doc in parts[1:]:
        for key in SAME:
            if doc.get(key) != first.get(key):
                raise UserError(
                    Problem(f"a part of another run: its {key} differs from {first_path}'s", str(path))
                )
    shape = {
        (d["shard"].get("count"), d["shard"].get("total_tasks"), d["shard"].get("task_keys_sha256"))
        for _, d in parts
    }
    if len(shape) != 1:
        raise UserError(
            "the parts disagree on the shard count or on the organization's task list "
            "(the inventory resolved differently between shards): plan every shard again"
        )
    count, total, _ = shape.pop()
    indexes = sorted(d["shard"].get("index") for _, d in parts)
    if indexes != list(range(count)):
        missing = sorted(set(range(count)) - set(indexes))
        repeated = sorted({i for i in indexes if indexes.count(i) > 1})
        raise UserError(
            f"the parts must be shards 0..{count - 1} once each (missing {missing}, repeated {repeated})"
        )
    positions = [p for _, d in parts for p in d["shard"].get("positions", [])]
    for _, doc in parts:
        if len(doc["shard"].get("positions", [])) != len(doc["tasks"]):
            raise UserError(f"shard {doc['shard']['index']}: its positions do not match its tasks")
    if sorted(positions) != list(range(total)):
        raise UserError(f"the parts' tasks do not cover the run's {total} tasks exactly once")
    return total


def merge(paths: list[Path]) -> dict[str, Any]:
    parts = load_parts(paths)
    total = check_parts(parts)
    tasks: list[dict[str, Any] | None] = [None] * total
    for _, doc in parts:
        for position, task in zip(doc["shard"]["positions"], doc["tasks"], strict=True):
            tasks[position] = task
    merged_tasks = [t for t in tasks if t is not None]
    keys = [t["key"] for t in merged_tasks]
    if len(set(keys)) != len(keys):
        raise UserError("the parts hold the same task twice")
    _, first = parts[0]
    doc: dict[str, Any] = {
        "format_version": first["format_version"],
        "tool_version": first["tool_version"],
        "run_id": new_run_id(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "playbook": first["playbook"],
        "inventory": first["inventory"],
        "run": first["run"],
        "interrupted": False,
        "summary": summarize(merged_tasks),
        "tasks": merged_tasks,
        "merged_from": [
            {"shard": d["shard"]["index"], "run_id": d["run_id"], "plan_sha256": d["plan_sha256"]}
            for _, d in sorted(parts, key=lambda p: p[1]["shard"]["index"])
        ],
    }
    doc["plan_sha256"] = canonical_sha256(doc)
    return doc
