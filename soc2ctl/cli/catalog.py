"""`soc2ctl controls`: the catalog of remediation modules."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from soc2ctl.cli.choices import CatalogFormat, one_of
from soc2ctl.cli.ui import ui

CatalogFormatOpt = Annotated[
    CatalogFormat,
    typer.Option("--format", "-f", help="text, json or markdown.", parser=one_of(CatalogFormat, "--format")),
]


ByCriterionOpt = Annotated[
    bool,
    typer.Option("--by-criterion", help="The matrix SOC 2 criterion -> controls instead of the catalog."),
]


def controls(
    ctx: typer.Context, fmt: CatalogFormatOpt = CatalogFormat.text, by_criterion: ByCriterionOpt = False
) -> None:
    """The catalog of remediation modules: scope, SOC 2 criteria, the Prowler, AWS Config and Security Hub
    checks each one answers to, fix or detect, IAM actions.

    Example: soc2ctl controls --format json; soc2ctl controls --by-criterion
    """
    from soc2ctl import registry
    from soc2ctl.engine import catalog

    modules = registry.registry()
    if by_criterion:
        _print_matrix(catalog.by_criterion(modules.values()), fmt)
        return
    if fmt == "markdown":  # docs/controls.md
        typer.echo(catalog.markdown(modules.values()), nl=False)
        return
    if fmt == "json":
        typer.echo(json.dumps([catalog.module_json(m) for m in modules.values()], indent=2))
        return
    out = ui(ctx).out()
    for m in modules.values():
        kind = "detect" if m.detect_only else "fix"
        mgmt = f"mgmt:{catalog.management(m).replace(' only', '')}"
        out.print(
            f"[bold]{m.name:<34}[/bold] {m.scope.value:<8} {kind:<7} {mgmt:<11} {', '.join(m.criteria):<28} "
            f"{m.summary()}"
        )


def _print_matrix(matrix: dict[str, list[str]], fmt: str) -> None:
    if fmt == "json":
        typer.echo(json.dumps(matrix, indent=2))
        return
    if fmt == "markdown":
        from soc2ctl.engine.catalog import matrix_table

        typer.echo("\n".join(matrix_table(matrix)))
        return
    for criterion, names in matrix.items():
        typer.echo(f"{criterion:<8} {', '.join(names)}")
