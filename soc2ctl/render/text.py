"""Terminal output for reviewers: grouped by account, only what changes, one summary line.

Noise is a defect: compliant tasks are a count, accounts with nothing to do are one line in total, so a
300-account plan with drift in 20 accounts reads in a screen or two. Colour comes from rich, which emits
none when the output is not a terminal (a pipe, a CI log file) or when --no-color / NO_COLOR is set.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape

SYMBOL = {
    "create": "+",
    "update": "~",
    "delete": "-",
    "detect": "?",
    "excepted": "!",
    "error": "x",
    "skipped": "x",
}
STYLE = {
    "create": "green",
    "update": "yellow",
    "delete": "red",
    "detect": "cyan",
    "excepted": "blue",
    "error": "bold red",
    "skipped": "magenta",
}
MAX_VALUE = 100  # characters of one value on one line; the JSON output always has the whole value
CHANGING = frozenset({"create", "update", "delete"})


def fmt(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def short(value: Any, limit: int = MAX_VALUE) -> str:
    """One line, at most `limit` characters: a 4 KB policy must not push the rest of the plan off screen."""
    text = " ".join(fmt(value).split())
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} chars)"


def is_high_risk(task: dict[str, Any]) -> bool:
    return task["risk"] == "high" and task["action"] in CHANGING


def _by_account(tasks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task in tasks:
        grouped[task["account_id"]].append(task)
    return grouped


def _change_lines(change: dict[str, Any]) -> list[str]:
    """`path: before -> after`; a created or deleted mapping too long for one line gets one line per key,
    so the reviewer sees every field without a wall of JSON."""
    before, after, path = change["before"], change["after"], escape(change["path"])
    whole = after if before is None else before if after is None else None
    if isinstance(whole, Mapping) and whole and len(fmt(whole)) > MAX_VALUE:
        sign, style = ("+", "green") if before is None else ("-", "red")
        return [f"      {path}:"] + [
            f"        [{style}]{sign} {escape(str(k))}: {escape(short(v))}[/{style}]"
            for k, v in whole.items()
        ]
    return [f"      {path}: [red]{escape(short(before))}[/red] -> [green]{escape(short(after))}[/green]"]


def _task_lines(task: dict[str, Any]) -> list[str]:
    action = task["action"]
    style = STYLE.get(action, "")
    where = f" {task['region']}" if task["region"] else ""
    criteria = f" [dim]({', '.join(task['criteria'])})[/dim]" if task["criteria"] else ""
    risk = " [bold red]HIGH RISK[/bold red]" if is_high_risk(task) else ""
    lines = [
        f"  [{style}]{SYMBOL[action]} {escape(task['control'])}[/{style}]{where} {action}{risk}{criteria}"
    ]
    if task.get("error"):
        lines.append(f"      [red]{escape(task['error'])}[/red]")
    for change in task["changes"]:
        lines.extend(_change_lines(change))
    if action in ("create", "update", "delete"):
        for req in task.get("requires") or []:
            if req["satisfied_by"]:
                lines.append(
                    f"      [dim]needs {escape(req['resource'])}: from {escape(req['satisfied_by'])}[/dim]"
                )
    if action == "detect" and task.get("human_step"):
        lines.append(f"      [cyan]to do by hand:[/cyan] {escape(task['human_step'])}")
    if exc := task.get("exception"):
        lines.append(exception_line(exc))
    return lines


def exception_line(exc: dict[str, Any]) -> str:
    """Why a task is left alone (or that the exception that allowed it ran out), with owner and date."""
    if exc["expired"]:
        head = f"[bold red]exception expired {exc['expires']}[/bold red]"
    else:
        head = f"[blue]excepted until {exc['expires']}[/blue]"
    return f"      {head} (owner {escape(exc['owner'])}): {escape(exc['justification'])}"


def header_lines(doc: dict[str, Any]) -> list[str]:
    """Where a saved plan comes from, for `show`: a reviewer must know which files and which hash."""
    run = doc.get("run") or {}
    return [
        f"[bold]Saved plan[/bold] {escape(str(doc.get('run_id')))} made {doc.get('created_at')}"
        f" by soc2ctl {doc.get('tool_version')}",
        f"  playbook {escape(str(run.get('playbook_path', doc['playbook'].get('path'))))}"
        f" sha256:{doc['playbook']['sha256'][:12]}…, inventory "
        f"{escape(str(run.get('inventory_path', doc['inventory'].get('path'))))}"
        f" sha256:{doc['inventory']['sha256'][:12]}…",
        f"  plan {doc.get('plan_sha256')} (apply re-reads every task and refuses if anything moved)",
    ]


def plan_lines(doc: dict[str, Any], *, header: bool = False) -> list[str]:
    """The plan as rich-markup lines: high-risk count first, then per account what changes."""
    lines = header_lines(doc) if header else []
    high = [t for t in doc["tasks"] if is_high_risk(t)]
    if high:
        lines.append(f"[bold red]! {len(high)} high-risk change(s), marked HIGH RISK below[/bold red]")
    quiet_accounts = quiet_tasks = 0
    for account_id, tasks in _by_account(doc["tasks"]).items():
        loud = [t for t in tasks if t["action"] != "no-op"]
        if not loud:
            quiet_accounts += 1
            quiet_tasks += len(tasks)
            continue
        lines.append(f"[bold]{escape(tasks[0]['account_name'])}[/bold] ({account_id})")
        for task in loud:
            lines.extend(_task_lines(task))
        if ok := len(tasks) - len(loud):
            lines.append(f"  [dim]{ok} task(s) already in state[/dim]")
    if quiet_accounts:
        lines.append(f"[dim]{quiet_accounts} account(s) already in state ({quiet_tasks} tasks)[/dim]")
    lines.append(summary_line(doc))
    return lines


def render_plan(doc: dict[str, Any], console: Console, *, header: bool = False) -> None:
    for line in plan_lines(doc, header=header):
        console.print(line, highlight=False)


def summary_line(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    line = (
        f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to delete, "
        f"{s['detect']} to detect across {s['accounts_with_changes']} accounts."
    )
    if s.get("excepted"):
        line += f" {s['excepted']} excepted."
    if s["error"] or s["skipped"]:
        line += f" {s['error']} failed, {s['skipped']} skipped."
    return line


def render_recap(results: list[dict[str, Any]], console: Console) -> None:
    """Ansible's recap: one line per account, ok/changed/failed/skipped."""
    per: dict[tuple[str, str], dict[str, int]] = {}
    for item in results:
        counts = per.setdefault((item["account_id"], item["account_name"]), defaultdict(int))
        counts[item["status"]] += 1
    console.print("[bold]Recap[/bold]", highlight=False)
    for (account_id, name), counts in per.items():
        failed = counts["failed"]
        style = "red" if failed else ("yellow" if counts["changed"] else "green")
        console.print(
            f"  [{style}]{escape(name):<24}[/{style}] {account_id}  ok={counts['ok']} "
            f"changed={counts['changed']} out-of-state={counts['out-of-state']} failed={failed} "
            f"skipped={counts['skipped']}",
            highlight=False,
        )
    for item in results:
        if item["status"] in ("failed", "skipped") and item.get("error"):
            where = f" {item['region']}" if item["region"] else ""
            console.print(
                f"  [red]x {escape(item['control'])} {item['account_id']}{where}: {escape(item['error'])}[/red]",
                highlight=False,
            )


def render_approval(approval: dict[str, Any], console: Console) -> None:
    """One line after the recap: the record an auditor matches against the change ticket."""
    ref = escape(approval.get("ref") or "(no --approval-ref)")
    console.print(
        f"Approval: {ref}, applied by {escape(str(approval.get('approver')))}, plan {approval.get('plan_sha256')}",
        highlight=False,
    )
