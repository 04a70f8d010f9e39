"""Markdown for a pull-request comment or a change ticket (GitHub-flavoured), within a size limit.

A GitHub comment holds 65,536 characters, so the document is built in two parts. The summary always fits:
the verdict line and plan hash, counts by action and risk and by account, every high-risk change in full,
the blast radius of organization-scope changes, and what could not be evaluated. The details follow while
they fit: each distinct change (the same change in many accounts is one entry), then detect-only findings
in their own section; whatever does not fit is named, with a pointer to the full plan. Every table cell
goes through `cell()`, which escapes `|` and flattens newlines: one stray pipe in an ARN or a policy would
otherwise shift every column of the table after it.
"""

from __future__ import annotations

import html
import re
from typing import Any

from soc2ctl.render import review, valuediff
from soc2ctl.render.text import SYMBOL, summary_line

MAX_CHARS = 65_000  # GitHub's comment limit is 65,536; the rest is headroom for a wrapper
ACCOUNTS_IN_SUMMARY = 50  # rows of the by-account table; more accounts are counted in one line
COUNT_COLUMNS = ("create", "update", "delete", "detect", "excepted", "error")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~])")  # `|` is left to cell(); text never starts a line
DEFAULT_POINTER = "the saved plan (`soc2ctl show PLANFILE`)"


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


def fenced(lines: list[str], lang: str = "diff") -> list[str]:
    """A code block whose fence is longer than any backtick run inside it."""
    longest = max((len(r) for line in lines for r in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", *lines, fence, ""]


def folded(summary: str, body: str) -> list[str]:
    return [f"<details><summary>{html.escape(summary)}</summary>", "", body, "", "</details>", ""]


# ---------------------------------------------------------------- summary (always fits)


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
        *(f"> **Warning:** {text(str(w))}\n" for w in review.warnings(doc)),
    ]


def by_risk(doc: dict[str, Any]) -> list[str]:
    counts = review.risk_counts(doc)
    rows = [
        [
            f"**{risk}**" if risk == "high" else risk,
            *(str(c[a] + (c["skipped"] if a == "error" else 0)) for a in COUNT_COLUMNS),
            str(c["no-op"]),
        ]
        for risk, c in counts.items()
        if sum(c.values())
    ]
    headers = ["Risk", "Create", "Update", "Delete", "Detect", "Excepted", "Error", "In state"]
    return ["### By risk", "", *table(headers, rows)]


def by_account(doc: dict[str, Any], limit: int = ACCOUNTS_IN_SUMMARY) -> list[str]:
    """Accounts with something to show (the first `limit`); accounts fully in state are one line."""
    found = review.account_counts(doc)
    rows = [
        [f"{text(name)} ({i})", *(str(c[a] + (c["skipped"] if a == "error" else 0)) for a in COUNT_COLUMNS)]
        for i, name, c in found[:limit]
    ]
    lines = ["### By account", ""]
    if rows:
        lines += table(["Account", "Create", "Update", "Delete", "Detect", "Excepted", "Error"], rows)
    if len(found) > limit:
        lines += [f"… and {len(found) - limit} more account(s) with changes (see the full plan).", ""]
    quiet = len({t["account_id"] for t in doc["tasks"]}) - len(found)
    if quiet:
        lines += [f"{quiet} account(s) fully in state.", ""]
    return lines


def reach(g: review.Group, names: dict[str, str]) -> list[str]:
    if not g.org_scope:
        return []
    ids = g.affected
    return folded(
        f"reaches {len(ids)} account{'s' if len(ids) != 1 else ''}", text(review.reach_list(ids, names))
    )


def group_block(g: review.Group, names: dict[str, str], *, full: bool = True) -> list[str]:
    """One distinct change: what, how risky, why, where (and how far it reaches), then its diff."""
    t = g.first
    risk = f"**{t['risk']} risk**" if t["risk"] == "high" else f"{t['risk']} risk"
    criteria = f" · SOC 2 {text(', '.join(t['criteria']))}" if t["criteria"] else ""
    lines = [
        f"#### {SYMBOL[t['action']]} {text(t['control'])} {t['action']} · {risk}{criteria}",
        "",
        f"*{text(t.get('summary') or '')}*",
        "",
        text(review.group_title(g)[:1].upper() + review.group_title(g)[1:])
        + (f": {text(review.target_list(g))}" if len(g.tasks) > 1 else ""),
        "",
        *reach(g, names),
    ]
    if len(g.tasks) > 1 and any(review.ACCOUNT in str(c) or review.REGION in str(c) for c in g.changes):
        lines += [f"{code(review.ACCOUNT)} and {code(review.REGION)} stand for each target's own.", ""]
    if t.get("error"):
        lines += [f"> {text(t['error'])}", ""]
    res = None if g.high else review.per_resource(g.changes)
    if res:  # counts first, then the first resources only (the JSON plan has them all)
        head, *rest = review.resource_lines(res, t["action"])
        tally = [f"- {text(line.strip())}" for line in rest if line.startswith("  ")]
        lines += [f"**{text(head)}**", "", *tally, "", *(text(x) for x in rest if not x.startswith("  "))]
        lines += [""] if res.hidden else []
    changes = res.shown if res else g.changes
    if changes and full:
        lines += fenced([f"{s} {line}" for c in changes for s, line in valuediff.change_lines(c)])
    elif changes:
        lines += [", ".join(code(c["path"]) for c in changes), ""]
    if res and res.hidden:
        lines += [text(review.hidden_line(res)), ""]
    if t.get("human_step"):
        lines += [f"**To do by hand:** {text(t['human_step'])}", ""]
    if managed := t.get("managed_elsewhere"):
        what = "; ".join(str(r) for r in managed.get("resources") or [])
        lines += [f"**Managed elsewhere** by {text(str(managed.get('by')))}: {text(what)}", ""]
    if isinstance(held := t.get("held_back"), dict):
        lines += [
            f"**Held back** (apply does not write these): {text(review.held_paths(held))}",
            "",
            f"**To do by hand:** {text(str(held.get('human_step')))}",
            "",
        ]
    if exc := t.get("exception"):
        state = "expired" if exc["expired"] else "until"
        lines += [
            f"Exception ({state} {exc['expires']}, owner {text(exc['owner'])}): {text(exc['justification'])}",
            "",
        ]
    return lines


def high_risk(
    doc: dict[str, Any], groups: list[review.Group], names: dict[str, str], full: bool
) -> list[str]:
    high = [g for g in groups if g.high]
    if not high:
        return []
    count = sum(len(g.tasks) for g in high)
    lines = [
        "> [!WARNING]",
        f"> **{count} high-risk change(s)**, in full below.",
        "",
        "### High-risk changes",
        "",
    ]
    for g in high:
        lines += group_block(g, names, full=full)
    return lines


def blast_radius(groups: list[review.Group], names: dict[str, str]) -> list[str]:
    org = [g for g in groups if g.org_scope]
    if not org:
        return []
    rows = [
        [f"{SYMBOL[g.first['action']]} {text(g.first['control'])}", g.first["risk"], str(len(g.affected))]
        for g in org
    ]
    return [
        "### Blast radius of organization-scope changes",
        "",
        *table(["Change", "Risk", "Accounts reached"], rows),
    ]


def problems(groups: list[review.Group]) -> list[str]:
    if not groups:
        return []
    rows = [
        [text(g.first["control"]), text(review.target_list(g)), text(g.first.get("error") or "")]
        for g in groups
    ]
    count = sum(len(g.tasks) for g in groups)
    return [
        f"### Not evaluated ({count})",
        "",
        "These tasks could not be read; the plan says nothing about them.",
        "",
        *table(["Control", "Where", "Reason"], rows),
    ]


def summary(
    doc: dict[str, Any], parts: dict[str, list[review.Group]], *, full: bool, accounts: int
) -> list[str]:
    names = review.account_names(doc)
    return [
        *heading(doc),
        *high_risk(doc, parts["changes"], names, full),
        *blast_radius(parts["changes"], names),
        *by_risk(doc),
        *by_account(doc, accounts),
        *problems(parts["problems"]),
    ]


# ---------------------------------------------------------------- details (while they fit)


def detail_blocks(
    doc: dict[str, Any], parts: dict[str, list[review.Group]]
) -> list[tuple[str, str, list[str]]]:
    """(section title, name for the 'not shown' list, lines) of every detail entry, in reading order."""
    names = review.account_names(doc)
    out = []
    titled = (
        ("changes", "### Changes"),
        ("detect", "### Detect only: a person must act"),
        ("excepted", "### Excepted"),
    )
    for key, title in titled:
        for g in parts[key]:
            if key == "changes" and g.high:
                continue  # already in full in the summary
            label = f"{g.first['control']} {g.first['action']} ({review.group_title(g)})"
            out.append((title, label, group_block(g, names)))
    return out


def render_markdown(
    doc: dict[str, Any], *, max_chars: int = MAX_CHARS, pointer: str = DEFAULT_POINTER
) -> str:
    """The plan as one Markdown document of at most `max_chars` characters, ending with a newline."""
    parts = review.sections(doc)
    head: list[str] = []
    for full, accounts in ((True, ACCOUNTS_IN_SUMMARY), (True, 0), (False, 0)):
        head = summary(doc, parts, full=full, accounts=accounts)
        if _size(head) + 400 <= max_chars:
            break
    lines, left_out, section = list(head), [], None
    if not any(parts[k] for k in ("changes", "detect", "excepted")):
        lines += ["No changes. Every evaluated task is in state.", ""]
    if managed := review.managed_elsewhere(doc):
        lines += [
            *(
                f"- **Managed elsewhere**: {code(c)} by {text(by)}, {len(ts)} target(s): soc2ctl never writes it"
                for c, by, ts in managed
            ),
            "",
        ]
    for title, label, block in detail_blocks(doc, parts):
        extra = ([title, ""] if title != section else []) + block
        if not left_out and _size(lines) + _size(extra) + 400 + 60 * len(left_out) <= max_chars:
            lines += extra
            section = title
        else:
            left_out.append(label)
    lines += _not_shown(left_out, pointer, max_chars - _size(lines))
    return _fit("\n".join(_trim(lines)) + "\n", max_chars, pointer)


def _not_shown(labels: list[str], pointer: str, room: int) -> list[str]:
    if not labels:
        return []
    lines = [
        "### Not shown here (size limit)",
        "",
        f"{len(labels)} more change(s); every one is in {pointer}:",
        "",
    ]
    for n, label in enumerate(labels):
        line = f"- {text(label)}"
        if _size(lines) + len(line) + 80 > room:
            lines.append(f"- … and {len(labels) - n} more")
            break
        lines.append(line)
    return [*lines, ""]


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _fit(document: str, max_chars: int, pointer: str) -> str:
    """Last resort for a summary larger than the limit: cut at a line and say where the rest is."""
    if len(document) <= max_chars:
        return document
    note = f"\n\n**Cut at {max_chars} characters: the full plan is in {pointer}.**\n"
    cut = document[: max(0, max_chars - len(note))]
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    return (cut + note)[:max_chars]
