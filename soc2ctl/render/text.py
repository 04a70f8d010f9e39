"""Terminal output for reviewers: grouped by account, only what changes, one summary line.

Noise is a defect: compliant tasks are a count, accounts with nothing to do are one line in total, so a
300-account plan with drift in 20 accounts reads in a screen or two. Colour comes from rich, which emits
none when the output is not a terminal (a pipe, a CI log file) or when --no-color / NO_COLOR is set.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Console
from rich.markup import escape

from soc2ctl.render import review, valuediff

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
MAX_VALUE = 100  # --compact: characters of one value on one line (the JSON always has the whole value)
CHANGING = frozenset({"create", "update", "delete"})
REACH_SHOWN = 8  # accounts named on the "reaches N accounts" line; the rest are counted
RISK_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}
SIGN_STYLE = {"+": "green", "-": "red", "~": "yellow", " ": "dim"}
SECTION_TITLES = {
    "changes": "Changes (high risk first)",
    "detect": "Detect only: a person must act (no apply clears these)",
    "excepted": "Excepted (left alone until the exception expires)",
    "problems": "Not evaluated",
}


def fmt(value: Any) -> str:
    return valuediff.fmt(value)


def short(value: Any, limit: int = MAX_VALUE) -> str:
    return valuediff.short(value, limit)


def is_high_risk(task: dict[str, Any]) -> bool:
    return task["risk"] == "high" and task["action"] in CHANGING


def _change_lines(change: dict[str, Any], compact: bool) -> list[str]:
    """Full values, long ones as a structural diff; --compact: one shortened line per change."""
    if compact:
        before, after = escape(short(change["before"])), escape(short(change["after"]))
        return [f"      {escape(change['path'])}: [red]{before}[/red] -> [green]{after}[/green]"]
    return [
        f"      [{SIGN_STYLE[sign]}]{sign} {escape(text)}[/{SIGN_STYLE[sign]}]"
        for sign, text in valuediff.change_lines(change)
    ]


def reach_line(g: review.Group, names: dict[str, str]) -> str | None:
    """`reaches 12 accounts: audit (…), … and 4 more` for an organization-scope change."""
    if not g.org_scope:
        return None
    ids = g.affected
    shown = review.reach_list(ids[:REACH_SHOWN], names)
    more = f" and {len(ids) - REACH_SHOWN} more" if len(ids) > REACH_SHOWN else ""
    return (
        f"      [bold]reaches {len(ids)} account{'s' if len(ids) != 1 else ''}[/bold]: {escape(shown)}{more}"
    )


def _group_lines(g: review.Group, names: dict[str, str], compact: bool) -> list[str]:
    t = g.first
    action = t["action"]
    style = STYLE.get(action, "dim")  # a hand-edited plan may hold anything: never an empty markup tag
    label = escape(str(t["risk"]).upper() if g.high else str(t["risk"]))
    risk = f"[{RISK_STYLE.get(t['risk'], 'dim')}]{label} risk[/]"
    criteria = f" [dim]({', '.join(t['criteria'])})[/dim]" if t["criteria"] else ""
    lines = [f"  [{style}]{SYMBOL[action]} {escape(t['control'])}[/{style}] {action}  {risk}{criteria}"]
    lines.append(f"      [italic]{escape(t.get('summary') or '')}[/italic]")
    lines.append(f"      {escape(review.group_title(g))}")
    if len(g.tasks) > 1:
        lines.append(f"        [dim]{escape(review.target_list(g))}[/dim]")
    if reach := reach_line(g, names):
        lines.append(reach)
    if t.get("error"):
        lines.append(f"      [red]{escape(t['error'])}[/red]")
    res = None if g.high else review.per_resource(g.changes)
    for text in review.resource_lines(res, action) if res else []:
        lines.append(f"      [bold]{escape(text)}[/bold]")
    for change in res.shown if res else g.changes:
        lines.extend(_change_lines(change, compact))
    if res and res.hidden:
        lines.append(f"      [dim]{escape(review.hidden_line(res))}[/dim]")
    if action in ("create", "update", "delete"):
        for req in t.get("requires") or []:
            if req["satisfied_by"]:
                lines.append(
                    f"      [dim]needs {escape(req['resource'])}: from {escape(req['satisfied_by'])}[/dim]"
                )
    if action == "detect" and t.get("human_step"):
        lines.append(f"      [cyan]to do by hand:[/cyan] {escape(t['human_step'])}")
    if managed := t.get("managed_elsewhere"):
        lines.append(managed_line(managed))
    if isinstance(held := t.get("held_back"), dict):
        lines.append(
            f"      [cyan]held back, apply leaves to a person:[/cyan] {escape(review.held_paths(held))}"
        )
        lines.append(f"      [cyan]to do by hand:[/cyan] {escape(str(held.get('human_step')))}")
    if exc := t.get("exception"):
        lines.append(exception_line(exc))
    return lines


def managed_line(managed: dict[str, Any]) -> str:
    what = "; ".join(str(r) for r in managed.get("resources") or [])
    return f"      [cyan]managed elsewhere[/cyan] by {escape(str(managed.get('by')))}: {escape(what)}"


def managed_lines(doc: dict[str, Any]) -> list[str]:
    """Every control whose resources another tool owns, in state or not: soc2ctl reads, never writes them."""
    found = review.managed_elsewhere(doc)
    lines = ["[bold]Managed elsewhere (read and reported, never changed by soc2ctl)[/bold]"] if found else []
    for control, by, tasks in found:
        g = review.Group(tasks=tasks)
        findings = sum(1 for t in tasks if t["action"] == "detect")
        state = f"{findings} finding(s), see above" if findings else "in state"
        lines.append(f"  [cyan]= {escape(control)}[/cyan] managed by {escape(by)}: {state}")
        lines.append(f"      [dim]{escape(review.target_list(g))}[/dim]")
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
        *_more_playbooks(run, doc),
        f"  plan {doc.get('plan_sha256')} (apply re-reads every task and refuses if anything moved)",
        *(f"  [yellow]warning:[/yellow] {escape(str(w))}" for w in review.warnings(doc)),
    ]


def _more_playbooks(run: dict[str, Any], doc: dict[str, Any]) -> list[str]:
    """The other playbook files of the run (given together, or imported), each with its hash."""
    files = run.get("playbooks")
    if not isinstance(files, list):
        return []
    first = run.get("playbook_path", doc["playbook"].get("path"))
    return [
        f"  + playbook {escape(str(f.get('path')))} sha256:{str(f.get('sha256'))[:12]}…"
        for f in files
        if isinstance(f, dict) and f.get("path") != first
    ]


def _account_lines(doc: dict[str, Any]) -> list[str]:
    """One line per account with something to show: its counts by action; quiet accounts are one count."""
    rows = review.account_counts(doc)
    quiet = {t["account_id"] for t in doc["tasks"]} - {i for i, _, _ in rows}
    lines = ["[bold]By account[/bold]"] if rows else []
    for account_id, name, counts in rows:
        parts = [f"{SYMBOL[a]}{counts[a]}" for a in SYMBOL if counts[a]]
        lines.append(
            f"  {escape(name)} ({account_id}): {' '.join(parts)}  [dim]{counts['no-op']} in state[/dim]"
        )
    if quiet:
        in_state = sum(1 for t in doc["tasks"] if t["account_id"] in quiet)
        lines.append(f"[dim]{len(quiet)} account(s) already in state ({in_state} tasks)[/dim]")
    return lines


def plan_lines(doc: dict[str, Any], *, header: bool = False, compact: bool = False) -> list[str]:
    """The plan as rich-markup lines: high-risk count first, then each distinct change (identical changes
    across accounts once), detect-only findings after the changes, per-account counts, the summary."""
    lines = header_lines(doc) if header else []
    if high := [t for t in doc["tasks"] if is_high_risk(t)]:
        lines.append(f"[bold red]! {len(high)} high-risk change(s), listed first and marked HIGH[/bold red]")
    names = review.account_names(doc)
    for key, groups in review.sections(doc).items():
        if groups:
            lines.append(f"[bold]{SECTION_TITLES[key]}[/bold]")
        for g in groups:
            lines.extend(_group_lines(g, names, compact))
    lines.extend(managed_lines(doc))
    lines.extend(_account_lines(doc))
    lines.append(summary_line(doc))
    lines.append(f"Plan hash: {doc.get('plan_sha256')}")
    return lines


def render_plan(
    doc: dict[str, Any], console: Console, *, header: bool = False, compact: bool = False
) -> None:
    for line in plan_lines(doc, header=header, compact=compact):
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
    if managed := sum(1 for t in doc["tasks"] if t.get("managed_elsewhere")):
        line += f" {managed} managed elsewhere."
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
