"""The control catalog (docs/controls.md), generated from the remediation modules themselves.

A hand-written catalog drifts from the code the day a parameter is added; this one is printed by
`soc2ctl controls --format markdown` and a test fails when the committed file differs from it.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable
from typing import Any

from pydantic_core import PydanticUndefined

from soc2ctl.remediation import Remediation

HEADER = """\
# Control catalog

Generated from the remediation modules by `soc2ctl controls --format markdown > docs/controls.md`; do not
edit by hand (a test fails when this file is not current). Each entry is one remediation module: the value
of `remediation:` in a playbook. **Scope** says where it runs: `org` once per organization (management
account, home region), `account` once per account (home region), `region` in every account and region.
**Mode** `fix` means `apply` changes the setting; `detect` means soc2ctl only reports. **Management**
says what an account- or region-scope control does in the management account (a target when the inventory
includes it, as the shipped ones do): `yes` as in any account, `detect only` reports there but never
changes it, `no` never runs there. **Risk** is the
module's default rating of what its change can break (shown to reviewers on every change; a playbook
control may override it with `risk:`): `high` can lock people or workloads out or stop logging. The IAM actions are
what `soc2ctl iam-policy` puts in the execution role's policy (read for plan, read and write for apply).
"""


CROSSWALK = (
    ("prowler_checks", "Prowler checks"),
    ("config_rules", "AWS Config rules"),
    ("securityhub_controls", "Security Hub controls"),
)


def module_json(m: Remediation) -> dict[str, Any]:
    """One control as `soc2ctl controls --format json` lists it, crosswalk included."""
    return {
        "name": m.name,
        "scope": m.scope.value,
        "criteria": list(m.criteria),
        **{key: list(getattr(m, key)) for key, _ in CROSSWALK},
        "mode": _mode(m),
        "summary": m.summary(),
        "risk": m.risk,
        "management_account": management(m),
        "management_reason": m.management_reason,
        "read_actions": list(m.read_actions),
        "write_actions": list(m.write_actions),
        "parameters": m.Params.model_json_schema(),
    }


def by_criterion(modules: Iterable[Remediation]) -> dict[str, list[str]]:
    """The matrix an auditor starts from: each SOC 2 criterion and the controls that serve it, sorted
    (CC2.1 before CC10.1: criteria compare by their numbers, not as text)."""
    matrix: dict[str, list[str]] = {}
    for m in sorted(modules, key=lambda m: m.name):
        for criterion in m.criteria:
            matrix.setdefault(criterion, []).append(m.name)
    return dict(sorted(matrix.items(), key=lambda item: _criterion_key(item[0])))


FAMILY_ORDER = (
    "CC",
    "A",
    "C",
    "PI",
    "P",
)  # common criteria first, then the categories, as the TSC lists them


def _criterion_key(criterion: str) -> tuple[int, str, tuple[int, ...]]:
    family = criterion.rstrip("0123456789.")
    numbers = criterion[len(family) :].split(".")
    rank = FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)
    return rank, family, tuple(int(n) for n in numbers if n.isdigit())


def markdown(modules: Iterable[Remediation]) -> str:
    mods = sorted(modules, key=lambda m: m.name)
    lines = [
        HEADER,
        "| module | scope | mode | management | risk | criteria | summary |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| [`{m.name}`](#{m.name}) | {m.scope.value} | {_mode(m)} | {management(m)} | {m.risk} "
        f"| {', '.join(m.criteria)} "
        f"| {_cell(_summary(m))} |"
        for m in mods
    ]
    lines += ["", *_matrix(mods)]
    for m in mods:
        lines += ["", *_section(m)]
    return "\n".join(lines) + "\n"


def _matrix(mods: list[Remediation]) -> list[str]:
    rows = [
        "## Criteria and controls",
        "",
        "Printed by `soc2ctl controls --by-criterion`: each SOC 2 criterion and the controls that serve it.",
        "",
    ]
    return rows + matrix_table(by_criterion(mods), link=True)


def matrix_table(matrix: dict[str, list[str]], *, link: bool = False) -> list[str]:
    """The criterion → controls table, shared by docs/controls.md (linked to each control's section) and
    `controls --by-criterion --format markdown` (plain names, for pasting into an audit document)."""
    shown = (lambda n: f"[`{n}`](#{n})") if link else str
    return [
        "| criterion | controls |",
        "|---|---|",
        *(f"| {criterion} | {', '.join(shown(n) for n in names)} |" for criterion, names in matrix.items()),
    ]


def _summary(m: Remediation) -> str:
    """The docstring's first paragraph (Remediation.summary() is its first line, which may stop mid-sentence)."""
    first = inspect.cleandoc(type(m).__doc__ or m.name).split("\n\n")[0]
    return " ".join(first.split())


def management(m: Remediation) -> str:
    """What the control does in the management account; `-` for organization scope (it runs there)."""
    shown = {"fix": "yes", "detect": "detect only", "skip": "no"}
    return "-" if m.scope.value == "org" else shown.get(m.in_management, m.in_management)


def _mode(m: Remediation) -> str:
    return "detect" if m.detect_only else "fix"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _section(m: Remediation) -> list[str]:
    lines = [
        f"## {m.name}",
        "",
        _cell(_summary(m)),
        "",
        f"- scope: `{m.scope.value}`{' (home region only)' if m.home_region_only else ''}",
        f"- mode: {_mode(m)}",
        f"- SOC 2 criteria: {', '.join(m.criteria) or '-'}",
        *(f"- {label}: {_codes(getattr(m, key))}" for key, label in CROSSWALK),
    ]
    if m.scope.value != "org" and m.in_management != "fix":
        reason = f": {m.management_reason}" if m.management_reason else ""
        lines.append(f"- in the management account: {management(m)}{_cell(reason)}")
    if m.human_step:
        lines.append(f"- human step: {_cell(m.human_step)}")
    lines.append(f"- IAM read actions: {_actions(m.read_actions)}")
    lines.append(f"- IAM write actions: {_actions(m.write_actions)}")
    return [*lines, "", *_parameters(m)]


def _actions(actions: Iterable[str]) -> str:
    return _codes(sorted(actions))


def _codes(codes: Iterable[str]) -> str:
    return ", ".join(f"`{c}`" for c in codes) or "-"


def _parameters(m: Remediation) -> list[str]:
    fields = m.Params.model_fields
    if not fields:
        return ["No parameters."]
    props = m.Params.model_json_schema().get("properties", {})
    rows = ["| parameter | type | default | description |", "|---|---|---|---|"]
    for name, field in fields.items():
        schema = props.get(name, {})
        rows.append(
            f"| `{name}` | {_cell(_type(schema))} | {_default(field)} | {_cell(field.description or '')} |"
        )
    return rows


def _default(field: Any) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    return f"`{json.dumps(value, default=str)}`"


def _type(schema: dict[str, Any]) -> str:
    """A short type from a JSON schema: `bool`, `list[str]`, `"a" | "b"`, `str | null`."""
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"])
    kind = schema.get("type")
    if kind == "array":
        return f"list[{_type(schema.get('items', {}))}]"
    if kind == "object":
        extra = schema.get("additionalProperties")
        return f"map[str, {_type(extra)}]" if isinstance(extra, dict) else "map"
    names = {"string": "str", "integer": "int", "boolean": "bool", "number": "float"}
    return names.get(kind, kind or "any")
