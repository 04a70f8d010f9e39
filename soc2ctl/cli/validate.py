"""`soc2ctl validate`: check a playbook without touching AWS."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from soc2ctl.cli.common import ExtraVarsOpt, PlaybookArg, ProfileOpt, parse_extra_vars
from soc2ctl.cli.ui import ui


def validate(
    ctx: typer.Context,
    playbook: PlaybookArg,
    inventory: Annotated[
        Path | None, typer.Option("--inventory", "-i", help="Also check variables per account.")
    ] = None,
    extra_vars: ExtraVarsOpt = None,
    profile: ProfileOpt = None,
) -> None:
    """Check a playbook without writing to AWS: schema, modules, parameters, cycles, variables.

    Example: soc2ctl validate playbooks/soc2-baseline.yml -i inventories/example-static.yml
    """
    from rich.markup import escape

    from soc2ctl.config import shipped as resources
    from soc2ctl.config.designated import designation_notes
    from soc2ctl.config.inventory import read_inventory_file
    from soc2ctl.config.playbook import check_parameters, load_playbook
    from soc2ctl.config.risk_exceptions import check_exceptions
    from soc2ctl.errors import ProblemList
    from soc2ctl.run.validation import variable_sets

    out = ui(ctx)
    path = resources.resolve(playbook, "playbooks")
    pb = load_playbook(path)
    problems = ProblemList()
    extra = parse_extra_vars(extra_vars)
    sets = [("", {**pb.spec.vars, **extra})]
    if inventory is not None:
        found = variable_sets(pb, resources.resolve(inventory, "inventories"), extra, profile)
        sets = found.sets
        for note in found.notes:
            out.err().print(f"note: {escape(note)}")
    check_parameters(pb, problems, sets)
    check_exceptions(pb, problems)
    notes: list[str] = []
    if inventory is not None:
        inv_path = resources.resolve(inventory, "inventories")
        notes = designation_notes(inv_path, *read_inventory_file(inv_path), problems)
    problems.raise_if_any()
    for note in notes:
        out.out().print(f"note: {escape(note)}", highlight=False)
    out.out().print(f"[green]ok[/green] {escape(str(path))}: {len(pb.spec.controls)} controls valid")
