"""`soc2ctl controls`: the catalog of remediation modules."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from soc2ctl.cli.choices import CatalogFormat, one_of
from soc2ctl.cli.ui import ui

CatalogFormatOpt = Annotated[
    CatalogFormat,
    typer.Option("--format", "-f", help="text, json or markdown.", parser=one_of(CatalogFormat, "--format")),
]


def controls(ctx: typer.Context, fmt: CatalogFormatOpt = CatalogFormat.text) -> None:
    """The catalog of remediation modules: scope, SOC 2 criteria, fix or detect, IAM actions.

    Example: soc2ctl controls --format json
    """
    from soc2ctl import registry

    modules = registry.registry()
    if fmt == "markdown":  # docs/controls.md
        from soc2ctl.engine import catalog

        typer.echo(catalog.markdown(modules.values()), nl=False)
        return
    if fmt == "json":
        typer.echo(json.dumps([_module_json(m) for m in modules.values()], indent=2))
        return
    out = ui(ctx).out()
    for m in modules.values():
        kind = "detect" if m.detect_only else "fix"
        out.print(
            f"[bold]{m.name:<34}[/bold] {m.scope.value:<8} {kind:<7} {', '.join(m.criteria):<28} {m.summary()}"
        )


def _module_json(m: Any) -> dict[str, Any]:
    return {
        "name": m.name,
        "scope": m.scope.value,
        "criteria": list(m.criteria),
        "mode": "detect" if m.detect_only else "fix",
        "summary": m.summary(),
        "risk": m.risk,
        "read_actions": list(m.read_actions),
        "write_actions": list(m.write_actions),
        "parameters": m.Params.model_json_schema(),
    }
