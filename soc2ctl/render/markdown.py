"""Markdown for a pull-request comment or a change ticket (GitHub-flavoured).

Order follows what an approver needs: the verdict line and high-risk changes first, then where (per account)
and what (per control) in two summary tables, then every change with before/after and its SOC 2 criteria.
Large plans collapse each account's changes into `<details>` so the comment stays scannable. Every table
cell goes through `cell()`, which escapes `|` and flattens newlines: one stray pipe in an ARN or a policy
would otherwise shift every column of the table after it.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from typing import Any

from soc2ctl.render.text import CHANGING, SYMBOL, is_high_risk, summary_line

COLLAPSE_ABOVE = 10  # changing or failing tasks; above this, each account's changes are collapsed
MAX_CELL = 120  # characters of a value in a table cell; longer values are listed in full below the table
COUNT_COLUMNS = ("create", "update", "delete", "detect", "error")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~])")  # `|` is left to cell(); text never starts a line


def text(value: str) -> str:
    """Plain text in Markdown: characters that would start emphasis, links, HTML or a cell are escaped."""
    return _MD_SPECIAL.sub(r"\\\1", value)


def code(value: str) -> str:
    """An inline code span that survives backticks inside the value."""
    value = " ".join(value.split())
    if not value:
        return "` `"
    fence = "`" * (max((len(r) for r in re.findall(r"`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def cell(content: str) -> str:
    """A table cell: one line, every `|` escaped (GFM splits cells on `|` even inside code spans)."""
    return " ".join(content.split()).replace("|", "\\|")


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    return [row(headers), "|" + "|".join("---" for _ in headers) + "|", *(row(r) for r in rows), ""]


def value_text(value: Any) -> str:
    if value is None:
        return "(none)"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def value_cell(value: Any) -> str:
    full = value_text(value)
    if value is None:
        return "*(none)*"
    if len(full) <= MAX_CELL:
        return code(full)
    return code(full[: MAX_CELL - 1] + "…") + " *(full value below)*"


def where(task: dict[str, Any]) -> str:
    return f"{task['account_name']} ({task['account_id']})" + (f" {task['region']}" if task["region"] else "")


# ---------------------------------------------------------------- sections


def heading(doc: dict[str, Any]) -> list[str]:
    run = doc.get("run") or {}
    name = run.get("playbook_name") or doc["playbook"].get("path", "")
    return [
        f"## soc2ctl plan: {text(str(name))}",
        "",
        f"**{text(summary_line(doc))}**",
        "",
        f"Plan {code(str(doc.get('plan_sha256')))} · run {code(str(doc.get('run_id')))} · made "
        f"{text(str(doc.get('created_at')))} by soc2ctl {text(str(doc.get('tool_version')))} · playbook "
        f"{code(str(doc['playbook'].get('sha256', ''))[:12])} · inventory "
        f"{code(str(doc['inventory'].get('sha256', ''))[:12])}",
        "",
    ]


def high_risk(doc: dict[str, Any]) -> list[str]:
    tasks = [t for t in doc["tasks"] if is_high_risk(t)]
    if not tasks:
        return []
    lines = ["> [!WARNING]", f"> **{len(tasks)} high-risk change(s)**", ">"]
    for t in tasks:
        fields = ", ".join(code(c["path"]) for c in t["changes"])
        lines.append(f"> - **{text(t['control'])}** {t['action']} in {text(where(t))}: {fields}")
    return [*lines, ""]


def problems(doc: dict[str, Any]) -> list[str]:
    tasks = [t for t in doc["tasks"] if t["action"] in ("error", "skipped")]
    if not tasks:
        return []
    rows = [[text(t["control"]), text(where(t)), text(t.get("error") or "")] for t in tasks]
    return [
        f"### Not evaluated ({len(tasks)})",
        "",
        "These tasks could not be read; the plan says nothing about them.",
        "",
        *table(["Control", "Where", "Reason"], rows),
    ]


def _counts(tasks: list[dict[str, Any]]) -> Counter[str]:
    counts = Counter("error" if t["action"] == "skipped" else t["action"] for t in tasks)
    counts["in state"] = counts.pop("no-op", 0)
    return counts


def by_account(doc: dict[str, Any]) -> list[str]:
    """Accounts with something to show; accounts fully in state are one line under the table."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in doc["tasks"]:
        groups[t["account_id"]].append(t)
    rows, quiet = [], 0
    for account_id, tasks in groups.items():
        counts = _counts(tasks)
        if not any(counts[c] for c in COUNT_COLUMNS):
            quiet += 1
            continue
        name = f"{text(tasks[0]['account_name'])} ({account_id})"
        rows.append([name, *(str(counts[c]) for c in COUNT_COLUMNS), str(counts["in state"])])
    lines = ["### By account", ""]
    lines += (
        table(["Account", "Create", "Update", "Delete", "Detect", "Error", "In state"], rows) if rows else []
    )
    if quiet:
        lines += [f"{quiet} account(s) fully in state.", ""]
    return lines


def by_control(doc: dict[str, Any]) -> list[str]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in doc["tasks"]:
        groups[t["control"]].append(t)
    rows = []
    for control, tasks in groups.items():
        counts = _counts(tasks)
        criteria = ", ".join(tasks[0]["criteria"])
        counted = [str(counts[c]) for c in [*COUNT_COLUMNS, "in state"]]
        rows.append([text(control), text(criteria), tasks[0]["risk"], *counted])
    headers = [
        "Control",
        "SOC 2 criteria",
        "Risk",
        "Create",
        "Update",
        "Delete",
        "Detect",
        "Error",
        "In state",
    ]
    return ["### By control", "", *table(headers, rows)]


def _change_rows(task: dict[str, Any]) -> list[list[str]]:
    risk = f"**{task['risk']}**" if is_high_risk(task) else task["risk"]
    head = [f"{SYMBOL[task['action']]} {task['action']}", text(task["control"]), text(task["region"] or "-")]
    tail = [text(", ".join(task["criteria"])), risk]
    if not task["changes"]:
        note = text(task.get("human_step") or "")
        return [[*head, "", "", note, *tail]]
    return [
        [*head, code(c["path"]), value_cell(c["before"]), value_cell(c["after"]), *tail]
        for c in task["changes"]
    ]


def _full_values(tasks: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for t in tasks:
        for c in t["changes"]:
            for side in ("before", "after"):
                full = value_text(c[side])
                if c[side] is not None and len(full) > MAX_CELL:
                    body = json.dumps(c[side], indent=2, sort_keys=True, default=str)
                    lines += [
                        f"{text(t['control'])} {code(c['path'])} {side}:",
                        "",
                        "```json",
                        body,
                        "```",
                        "",
                    ]
    return lines


def account_changes(account: str, tasks: list[dict[str, Any]], collapse: bool) -> list[str]:
    headers = ["Action", "Control", "Region", "Field", "Before", "After", "SOC 2", "Risk"]
    rows = [r for t in tasks for r in _change_rows(t)]
    body = table(headers, rows) + _full_values(tasks)
    if collapse:
        summary = html.escape(f"{account}: {len(tasks)} task(s)")
        return [f"<details><summary>{summary}</summary>", "", *body, "</details>", ""]
    return [f"#### {text(account)}", "", *body]


def changes(doc: dict[str, Any]) -> list[str]:
    shown = [t for t in doc["tasks"] if t["action"] in CHANGING or t["action"] in ("detect", "excepted")]
    if not shown:
        return ["No changes. Every evaluated task is in state.", ""]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in shown:
        groups[f"{t['account_name']} ({t['account_id']})"].append(t)
    collapse = len(shown) > COLLAPSE_ABOVE
    lines = ["### Changes", ""]
    if collapse:
        lines += [f"{len(shown)} tasks in {len(groups)} accounts; expand an account to see its changes.", ""]
    for account, tasks in groups.items():
        lines += account_changes(account, tasks, collapse)
    return lines


def render_markdown(doc: dict[str, Any]) -> str:
    """The whole plan as one Markdown document, ending with a newline."""
    sections = [heading, high_risk, problems, by_account, by_control, changes]
    lines = [line for section in sections for line in section(doc)]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
