"""Terminal output for reviewers: grouped by account, only what changes, one summary line.

Noise is a defect: compliant tasks are a count, accounts with nothing to do are one line in total, so a
300-account plan with drift in 20 accounts reads in a screen or two.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from rich.console import Console
from rich.markup import escape

SYMBOL = {"create": "+", "update": "~", "delete": "-", "detect": "?", "error": "x", "skipped": "x"}
STYLE = {
    "create": "green",
    "update": "yellow",
    "delete": "red",
    "detect": "cyan",
    "error": "bold red",
    "skipped": "magenta",
}


def fmt(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _by_account(tasks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task in tasks:
        grouped[task["account_id"]].append(task)
    return grouped


def _task_lines(task: dict[str, Any]) -> list[str]:
    action = task["action"]
    style = STYLE.get(action, "")
    where = f" {task['region']}" if task["region"] else ""
    criteria = f" [dim]({', '.join(task['criteria'])})[/dim]" if task["criteria"] else ""
    risk = " [bold red]HIGH RISK[/bold red]" if task["risk"] == "high" and action in SYMBOL else ""
    label = "detect" if action == "detect" else action
    lines = [
        f"  [{style}]{SYMBOL[action]} {escape(task['control'])}[/{style}]{where} {label}{risk}{criteria}"
    ]
    if task.get("error"):
        lines.append(f"      [red]{escape(task['error'])}[/red]")
    for change in task["changes"]:
        lines.append(
            f"      {escape(change['path'])}: [red]{escape(fmt(change['before']))}[/red]"
            f" -> [green]{escape(fmt(change['after']))}[/green]"
        )
    if action == "detect" and task.get("human_step"):
        lines.append(f"      [cyan]to do by hand:[/cyan] {escape(task['human_step'])}")
    return lines


def render_plan(doc: dict[str, Any], console: Console) -> None:
    grouped = _by_account(doc["tasks"])
    quiet_accounts = 0
    quiet_tasks = 0
    for account_id, tasks in grouped.items():
        loud = [t for t in tasks if t["action"] != "no-op"]
        if not loud:
            quiet_accounts += 1
            quiet_tasks += len(tasks)
            continue
        name = tasks[0]["account_name"]
        console.print(f"[bold]{escape(name)}[/bold] ({account_id})", highlight=False)
        for task in loud:
            for line in _task_lines(task):
                console.print(line, highlight=False)
        ok = len(tasks) - len(loud)
        if ok:
            console.print(f"  [dim]{ok} task(s) already in state[/dim]", highlight=False)
    if quiet_accounts:
        console.print(
            f"[dim]{quiet_accounts} account(s) already in state ({quiet_tasks} tasks)[/dim]", highlight=False
        )
    console.print(summary_line(doc), highlight=False)


def summary_line(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    line = (
        f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to delete, "
        f"{s['detect']} to detect across {s['accounts_with_changes']} accounts."
    )
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
            f"changed={counts['changed']} failed={failed} skipped={counts['skipped']}",
            highlight=False,
        )
    for item in results:
        if item["status"] in ("failed", "skipped") and item.get("error"):
            where = f" {item['region']}" if item["region"] else ""
            console.print(
                f"  [red]x {escape(item['control'])} {item['account_id']}{where}: {escape(item['error'])}[/red]",
                highlight=False,
            )
