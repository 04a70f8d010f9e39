"""What a reviewer reads first, shared by the text and Markdown renderings: order and grouping.

- Order: high risk first, then medium, then low; within a risk, by control and action.
- Grouping: the same change in many accounts is one entry ("the same change in 11 accounts"), so a
  300-account plan reads as the handful of distinct changes it is. Two tasks make the same change when
  their control, action and changes are equal once each task's own account id and region are replaced by
  `<account>` and `<region>` (a key ARN differs per account, the change does not).
- Sections: changes (create/update/delete), then detect-only findings (a person must act), then excepted
  tasks, then tasks that could not be evaluated.
- Per-resource changes (paths `[arn].field` over two or more resources: every bucket of a region) are
  counted first, by kind of change, and only the first `RESOURCES_SHOWN` resources are listed; the plan
  JSON keeps every change. High-risk changes are always shown whole.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from soc2ctl.render import valuediff

CHANGING = ("create", "update", "delete")
RESOURCES_SHOWN = 10  # resources listed change by change in one entry; the rest are counted
TALLY_SHOWN = 5  # kinds of change counted by name; the rest in one number
TALLY_VALUE = 40  # characters of a before/after value in a count line
RISKS = ("high", "medium", "low")
ACCOUNT, REGION = "<account>", "<region>"


@dataclass
class Group:
    """Tasks that make the same change; `changes` are the first task's, generalised when there are more."""

    tasks: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def first(self) -> dict[str, Any]:
        return self.tasks[0]

    @property
    def accounts(self) -> list[tuple[str, str]]:
        """(id, name) of each account, once, in plan order."""
        seen: dict[str, str] = {}
        for t in self.tasks:
            seen.setdefault(t["account_id"], t["account_name"])
        return list(seen.items())

    @property
    def affected(self) -> list[str]:
        """Accounts the change reaches: an organization-scope task's blast radius, else the task accounts."""
        found: dict[str, None] = {}
        for t in self.tasks:
            found.update(dict.fromkeys(t.get("affected_accounts") or [t["account_id"]]))
        return list(found)

    @property
    def org_scope(self) -> bool:
        return self.first.get("scope") == "org"

    @property
    def high(self) -> bool:
        return self.first["risk"] == "high" and self.first["action"] in CHANGING


def where(task: dict[str, Any]) -> str:
    return f"{task['account_name']} ({task['account_id']})" + (f" {task['region']}" if task["region"] else "")


def generalise(value: Any, account_id: str, region: str | None) -> Any:
    """The value with the task's own account id and region replaced, for comparison across accounts."""
    text = json.dumps(value, sort_keys=True, default=str).replace(account_id, ACCOUNT)
    if region:
        text = text.replace(f'"{region}"', f'"{REGION}"').replace(f":{region}:", f":{REGION}:")
    return json.loads(text)


def _signature(task: dict[str, Any]) -> str:
    body = {
        "control": task["control"],
        "action": task["action"],
        "changes": task["changes"],
        "error": task.get("error"),
        "human_step": task.get("human_step"),
        "exception": task.get("exception"),
        "held_back": task.get("held_back"),
        "risk": task["risk"],
    }
    return json.dumps(generalise(body, task["account_id"], task["region"]), sort_keys=True)


def group(tasks: list[dict[str, Any]]) -> list[Group]:
    """Identical changes together, high risk first. A group of one keeps the task's own values."""
    groups: dict[str, Group] = {}
    for task in tasks:
        groups.setdefault(_signature(task), Group()).tasks.append(task)
    for g in groups.values():
        if len(g.tasks) == 1:
            g.changes = g.first["changes"]
        else:
            g.changes = generalise(g.first["changes"], g.first["account_id"], g.first["region"])
    return sorted(groups.values(), key=_order)


def _order(g: Group) -> tuple[int, str, int, str]:
    t = g.first
    action = (*CHANGING, "detect", "excepted", "error", "skipped")
    rank = action.index(t["action"]) if t["action"] in action else len(action)
    return (RISKS.index(t["risk"]) if t["risk"] in RISKS else 3, t["control"], rank, t["account_id"])


def sections(doc: dict[str, Any]) -> dict[str, list[Group]]:
    """The plan's tasks in the order a reviewer reads them, grouped; in-state tasks are only counted."""
    tasks = doc["tasks"]
    return {
        "changes": group([t for t in tasks if t["action"] in CHANGING]),
        "detect": group([t for t in tasks if t["action"] == "detect"]),
        "excepted": group([t for t in tasks if t["action"] == "excepted"]),
        "problems": group([t for t in tasks if t["action"] in ("error", "skipped")]),
    }


def target_list(g: Group, names: dict[str, str] | None = None) -> str:
    """`audit (1111…) us-east-1, eu-west-1; web-prod (2222…) us-east-1`: each account once, its regions."""
    regions: dict[str, list[str]] = {}
    for t in g.tasks:
        regions.setdefault(t["account_id"], [])
        if t["region"]:
            regions[t["account_id"]].append(t["region"])
    parts = []
    for account_id, name in g.accounts:
        where_ = f"{name} ({account_id})"
        parts.append(f"{where_} {', '.join(regions[account_id])}" if regions[account_id] else where_)
    return "; ".join(parts)


def account_names(doc: dict[str, Any]) -> dict[str, str]:
    return {t["account_id"]: t["account_name"] for t in doc["tasks"]}


def reach_list(ids: list[str], names: dict[str, str]) -> str:
    return ", ".join(f"{names[i]} ({i})" if i in names else i for i in ids)


def risk_counts(doc: dict[str, Any]) -> dict[str, Counter[str]]:
    """risk -> action -> number of tasks, for the summary table."""
    out: dict[str, Counter[str]] = {r: Counter() for r in RISKS}
    for t in doc["tasks"]:
        out.setdefault(t["risk"], Counter())[t["action"]] += 1
    return out


def account_counts(doc: dict[str, Any]) -> list[tuple[str, str, Counter[str]]]:
    """(id, name, action counts) of every account with something to show, in plan order."""
    per: dict[str, Counter[str]] = {}
    names = account_names(doc)
    for t in doc["tasks"]:
        per.setdefault(t["account_id"], Counter())[t["action"]] += 1
    return [(i, names[i], c) for i, c in per.items() if any(c[a] for a in c if a != "no-op")]


def group_title(g: Group) -> str:
    """`the same change in 11 accounts (22 targets)` for a group of many, else the one target."""
    accounts = len(g.accounts)
    if len(g.tasks) == 1:
        return f"in {where(g.first)}"
    targets = f" ({len(g.tasks)} targets)" if len(g.tasks) != accounts else ""
    return f"the same change in {accounts} account{'s' if accounts != 1 else ''}{targets}"


@dataclass
class Resources:
    """A task's changes grouped by resource: how many resources, how many of each kind of change (a field
    and its before -> after), the changes of the resources listed, and how many resources are not."""

    count: int
    tally: list[tuple[str, int]]
    shown: list[dict[str, Any]]
    hidden: int


def resource_of(path: str) -> str | None:
    """The ARN a change belongs to (`[arn:...].field`), or None for a change of a plain setting."""
    keys = valuediff.path_segments(path)
    return keys[0] if len(keys) > 1 and keys[0].startswith("arn:") else None


def per_resource(changes: list[dict[str, Any]], limit: int = RESOURCES_SHOWN) -> Resources | None:
    """Counts first for a change set over two or more resources; None when it is not one."""
    by: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        resource = resource_of(change["path"])
        if resource is None:
            return None
        by.setdefault(resource, []).append(change)
    if len(by) < 2:
        return None
    tally: Counter[str] = Counter()
    for change in changes:
        field_ = ".".join(valuediff.path_segments(change["path"])[1:])
        before = valuediff.short(change["before"], TALLY_VALUE)
        tally[f"{field_}: {before} -> {valuediff.short(change['after'], TALLY_VALUE)}"] += 1
    shown = [c for resource in list(by)[:limit] for c in by[resource]]
    return Resources(len(by), tally.most_common(), shown, max(0, len(by) - limit))


def resource_lines(res: Resources, action: str) -> list[str]:
    """`12 resources to update:` then one line per kind of change with its count, most frequent first."""
    verb = {"create": "to create", "update": "to update", "delete": "to delete"}.get(action, "out of state")
    lines = [f"{res.count} resources {verb}:"]
    lines += [f"  {n} x {kind}" for kind, n in res.tally[:TALLY_SHOWN]]
    if len(res.tally) > TALLY_SHOWN:
        rest = sum(n for _, n in res.tally[TALLY_SHOWN:])
        lines.append(f"  {rest} other change(s) of {len(res.tally) - TALLY_SHOWN} other kind(s)")
    if res.hidden:
        lines.append(f"the first {res.count - res.hidden} resources follow in full:")
    return lines


def hidden_line(res: Resources) -> str:
    return f"... and {res.hidden} more resource(s): every change is in the JSON plan (--format json)"


def managed_elsewhere(doc: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(control, owner, tasks) of the tasks whose resources another tool owns (AWS Control Tower...),
    whatever their action: a reviewer must see what soc2ctl leaves to someone else, in state or not."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for t in doc["tasks"]:
        if managed := t.get("managed_elsewhere"):
            found.setdefault((t["control"], str(managed.get("by"))), []).append(t)
    return [(control, by, tasks) for (control, by), tasks in found.items()]


def warnings(doc: dict[str, Any]) -> list[Any]:
    """The run's warnings (what the plan leaves out); a saved plan from an older soc2ctl has none."""
    found = (doc.get("run") or {}).get("warnings")
    return found if isinstance(found, list) else []


def held_paths(held: dict[str, Any]) -> str:
    """The paths of a task's held-back changes, for one line (a hand-edited plan may hold anything)."""
    changes = held.get("changes") if isinstance(held.get("changes"), list) else []
    return ", ".join(str(c.get("path")) if isinstance(c, dict) else str(c) for c in changes)
