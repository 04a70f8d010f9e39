"""Renderings of the evidence report: Markdown (tickets, audit folders) and HTML (a matrix read at a glance).

Both are built from the same `Report`, so they cannot disagree. HTML uses Jinja2 with autoescaping: account
names, control ids and approval references come from user input.
"""

from __future__ import annotations

from typing import Any

import jinja2

from soc2ctl.evidence.report import STATUS_LABELS, Report

SYMBOLS = {
    "out": "✗",
    "detect": "!",
    "restored": "↺",
    "unknown": "?",
    "excepted": "E",
    "in": "✓",
    "none": "·",
}


def _when(value: str | None) -> str:
    return "—" if not value else value[:19].replace("T", " ") + "Z"


def _region(value: str | None) -> str:
    return value or "(account)"


def _md(text: Any) -> str:
    """Table cells must not break the table."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _changes_text(changes: list[dict[str, Any]]) -> str:
    return "; ".join(f"{c['path']}: {c['before']!r} → {c['after']!r}" for c in changes) or "—"


def context(report: Report) -> dict[str, Any]:
    """Everything a template needs, precomputed, so templates stay dumb."""
    accounts = sorted(report.accounts.items(), key=lambda item: (item[1], item[0]))
    return {
        "r": report,
        "accounts": accounts,
        "labels": STATUS_LABELS,
        "symbols": SYMBOLS,
        "when": _when,
        "region": _region,
        "changes_text": _changes_text,
        "cell": lambda account_id, control: report.matrix.get((account_id, control), "none"),
    }


MARKDOWN = """\
# SOC 2 evidence report

Evidence store: `{{ r.location }}` · period: since {{ r.since }} · generated {{ when(r.generated_at) }}

## Integrity
{% if r.integrity.ok -%}
Chain verified: {{ r.integrity.runs }} sealed runs, {{ r.integrity.files }} files, every SHA-256 digest matches; head #{{ r.integrity.head.seq if r.integrity.head else 0 }} `sha256:{{ r.integrity.head.sha256 if r.integrity.head else "" }}`.
{%- else -%}
**Chain verification FAILED** ({{ r.integrity.problems | length }} problem(s)); the sections below use only readable sealed runs:
{% for p in r.integrity.problems %}
- {{ p }}
{%- endfor %}
{%- endif %}

## Status by SOC 2 criterion
Legend: {% for s, l in labels.items() %}{{ symbols[s] }} {{ l }}{{ " · " if not loop.last }}{% endfor %}
{% for criterion, controls in r.criteria.items() %}
### {{ criterion }}

| account |{% for c in controls %} {{ md(c) }} |{% endfor %}
|---|{% for c in controls %}---|{% endfor %}
{% for id, name in accounts -%}
| {{ md(name) }} ({{ id }}) |{% for c in controls %} {{ symbols[cell(id, c)] }} {{ labels[cell(id, c)] }} |{% endfor %}
{% endfor -%}
{% endfor %}
## Drift
{% if r.drifts -%}
| control | account | region | last seen in state | first seen out of state | restored | window (at most) | found by |
|---|---|---|---|---|---|---|---|
{% for d in r.drifts -%}
| {{ md(d.control) }} | {{ md(d.account_name) }} ({{ d.account_id }}) | {{ region(d.region) }} | {{ when(d.last_in_state) }} | {{ when(d.first_seen) }} | {{ when(d.restored) if d.restored else "**open**" }} | {{ d.window }} | {{ d.first_seen_run }} |
{% endfor -%}
{% else -%}
No drift found in the period.
{% endif %}
## Changes
{% if r.changes -%}
| when | control | account | region | change | approval | approver | AWS request ids | run |
|---|---|---|---|---|---|---|---|---|
{% for c in r.changes -%}
| {{ when(c.at) }} | {{ md(c.control) }} | {{ md(c.account_name) }} ({{ c.account_id }}) | {{ region(c.region) }} | {{ md(changes_text(c.changes)) }} | {{ md(c.approval_ref or "none") }} | {{ md(c.approver or "") }} | {{ md(", ".join(c.request_ids)) }} | {{ c.run_id }} |
{% endfor -%}
{% else -%}
No changes in the period.
{% endif %}
## Open exceptions
{% if r.exceptions -%}
| control | accounts | regions | justification | owner | expires |
|---|---|---|---|---|---|
{% for e in r.exceptions -%}
| {{ md(e.control) }} | {{ md(", ".join(e.accounts) or "all") }} | {{ md(", ".join(e.regions) or "all") }} | {{ md(e.justification) }} | {{ md(e.owner) }} | {{ e.expires }} |
{% endfor -%}
{% else -%}
None.
{% endif %}
## Runs
| # | run id | kind | started | caller | approval | tasks |
|---|---|---|---|---|---|---|
{% for run in r.runs -%}
| {{ run.seq }} | {{ run.run_id }} | {{ run.kind }} | {{ when(run.started_at) }} | {{ md(run.caller or "") }} | {{ md(run.approval or "") }} | {{ run.tasks }} |
{% endfor %}"""

HTML = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SOC 2 evidence report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1f24}
h1{margin:0 0 4px}h2{margin-top:28px;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left}
th{background:#f6f8fa}td.s{text-align:center;font-weight:600;min-width:70px}
.in{background:#d1f4d9}.restored{background:#fff1b8}.out{background:#ffd0d0}.detect{background:#ffe1c2}
.unknown{background:#e6e6e6}.excepted{background:#dbe7ff}.none{background:#fff;color:#999}
.bad{color:#b00020;font-weight:600}.ok{color:#116329;font-weight:600}.meta{color:#57606a}
th.rot{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;vertical-align:bottom}
</style></head><body>
<h1>SOC 2 evidence report</h1>
<div class="meta">Evidence store <code>{{ r.location }}</code> · since {{ r.since }} · generated {{ when(r.generated_at) }}</div>
<h2>Integrity</h2>
{% if r.integrity.ok %}<p class="ok">Chain verified: {{ r.integrity.runs }} sealed runs, {{ r.integrity.files }} files.
{% if r.integrity.head %}Head #{{ r.integrity.head.seq }} <code>sha256:{{ r.integrity.head.sha256 }}</code>{% endif %}</p>
{% else %}<p class="bad">Chain verification FAILED:</p><ul>{% for p in r.integrity.problems %}<li>{{ p }}</li>{% endfor %}</ul>{% endif %}
<h2>Accounts × controls</h2>
<table id="matrix"><tr><th>account</th>{% for c in r.controls %}<th class="rot">{{ c }}</th>{% endfor %}</tr>
{% for id, name in accounts %}<tr><th>{{ name }}<br><span class="meta">{{ id }}</span></th>
{% for c in r.controls %}{% set s = cell(id, c) %}<td class="s {{ s }}" title="{{ labels[s] }}">{{ symbols[s] }}</td>{% endfor %}</tr>
{% endfor %}</table>
<p>{% for s, l in labels.items() %}<span class="{{ s }}" style="padding:2px 6px;border:1px solid #d0d7de">{{ symbols[s] }} {{ l }}</span> {% endfor %}</p>
<h2>Controls by SOC 2 criterion</h2>
<table><tr><th>criterion</th><th>controls</th></tr>
{% for criterion, controls in r.criteria.items() %}<tr><td>{{ criterion }}</td><td>{{ controls | join(", ") }}</td></tr>{% endfor %}
</table>
<h2>Drift</h2>
{% if r.drifts %}<table><tr><th>control</th><th>account</th><th>region</th><th>last seen in state</th><th>first seen out of state</th><th>restored</th><th>window (at most)</th><th>found by run</th></tr>
{% for d in r.drifts %}<tr><td>{{ d.control }}</td><td>{{ d.account_name }} ({{ d.account_id }})</td><td>{{ region(d.region) }}</td>
<td>{{ when(d.last_in_state) }}</td><td>{{ when(d.first_seen) }}</td><td>{% if d.restored %}{{ when(d.restored) }}{% else %}<span class="bad">open</span>{% endif %}</td><td>{{ d.window }}</td><td>{{ d.first_seen_run }}</td></tr>
{% endfor %}</table>{% else %}<p>No drift found in the period.</p>{% endif %}
<h2>Changes</h2>
{% if r.changes %}<table><tr><th>when</th><th>control</th><th>account</th><th>region</th><th>change</th><th>approval</th><th>approver</th><th>AWS request ids</th></tr>
{% for c in r.changes %}<tr><td>{{ when(c.at) }}</td><td>{{ c.control }}</td><td>{{ c.account_name }} ({{ c.account_id }})</td><td>{{ region(c.region) }}</td>
<td>{{ changes_text(c.changes) }}</td><td>{{ c.approval_ref or "none" }}</td><td>{{ c.approver or "" }}</td><td>{{ c.request_ids | join(", ") }}</td></tr>
{% endfor %}</table>{% else %}<p>No changes in the period.</p>{% endif %}
<h2>Open exceptions</h2>
{% if r.exceptions %}<table><tr><th>control</th><th>accounts</th><th>regions</th><th>justification</th><th>owner</th><th>expires</th></tr>
{% for e in r.exceptions %}<tr><td>{{ e.control }}</td><td>{{ e.accounts | join(", ") or "all" }}</td><td>{{ e.regions | join(", ") or "all" }}</td><td>{{ e.justification }}</td><td>{{ e.owner }}</td><td>{{ e.expires }}</td></tr>
{% endfor %}</table>{% else %}<p>None.</p>{% endif %}
<h2>Runs</h2>
<table><tr><th>#</th><th>run id</th><th>kind</th><th>started</th><th>caller</th><th>approval</th><th>tasks</th></tr>
{% for run in r.runs %}<tr><td>{{ run.seq }}</td><td>{{ run.run_id }}</td><td>{{ run.kind }}</td><td>{{ when(run.started_at) }}</td><td>{{ run.caller or "" }}</td><td>{{ run.approval or "" }}</td><td>{{ run.tasks }}</td></tr>
{% endfor %}</table>
</body></html>
"""


def render_markdown(report: Report) -> str:
    env = jinja2.Environment(autoescape=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return env.from_string(MARKDOWN).render(md=_md, **context(report))


def render_html(report: Report) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(HTML).render(**context(report))
