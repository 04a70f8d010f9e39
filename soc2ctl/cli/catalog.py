"""`soc2ctl controls`: the catalog of remediation modules."""

from __future__ import annotations

import json
from typing import Any

import typer

from soc2ctl.cli.common import FormatOpt, Ui, check_format, user_errors
from soc2ctl.cli.lazy import lazy

catalog = lazy("soc2ctl.engine.catalog")
registry = lazy("soc2ctl.registry")


@user_errors
def controls(fmt: FormatOpt = "text") -> None:
    """The catalog of remediation modules: scope, SOC 2 criteria, fix or detect, IAM actions.

    Example: soc2ctl controls --format json
    """
    check_format(fmt, ("text", "json", "markdown"))
    modules = registry.registry()
    if fmt == "markdown":  # docs/controls.md
        typer.echo(catalog.markdown(modules.values()), nl=False)
        return
    if fmt == "json":
        typer.echo(json.dumps([_module_json(m) for m in modules.values()], indent=2))
        return
    out = Ui.out()
    for m in modules.values():
        kind = "detect" if m.detect_only else "fix"
        mgmt = f"mgmt:{catalog.management(m).replace(' only', '')}"
        out.print(
            f"[bold]{m.name:<34}[/bold] {m.scope.value:<8} {kind:<7} {mgmt:<11} {', '.join(m.criteria):<28} "
            f"{m.summary()}"
        )


def _module_json(m: Any) -> dict[str, Any]:
    return {
        "name": m.name,
        "scope": m.scope.value,
        "criteria": list(m.criteria),
        "mode": "detect" if m.detect_only else "fix",
        "summary": m.summary(),
        "risk": m.risk,
        "management_account": catalog.management(m),
        "management_reason": m.management_reason,
        "read_actions": list(m.read_actions),
        "write_actions": list(m.write_actions),
        "parameters": m.Params.model_json_schema(),
    }
