"""`soc2ctl validate`: check a playbook without touching AWS."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from soc2ctl.cli.common import (
    ExtraVarsOpt,
    PlaybookArg,
    ProfileOpt,
    Ui,
    parse_extra_vars,
    user_errors,
)
from soc2ctl.cli.lazy import lazy
from soc2ctl.errors import ProblemList

if TYPE_CHECKING:
    pass

# Imported when a command uses them (soc2ctl.cli.lazy): --help, --version and controls start fast.
escape = lazy("rich.markup", "escape")
resources = lazy("soc2ctl.config.shipped")
check_parameters = lazy("soc2ctl.config.playbook", "check_parameters")
load_playbooks = lazy("soc2ctl.config.playbook", "load_playbooks")
check_exceptions = lazy("soc2ctl.config.risk_exceptions", "check_exceptions")
SignKeyOpt = Annotated[
    str | None,
    typer.Option("--sign-key", help="KMS asymmetric key: sign the saved plan / require plans signed by it."),
]
PlanHashOpt = Annotated[
    str | None, typer.Option("--plan-sha256", help="The approved plan's hash: refuse any other plan.")
]
variable_sets = lazy("soc2ctl.run.validation", "variable_sets")
designation_notes = lazy("soc2ctl.config.designated", "designation_notes")
read_inventory_file = lazy("soc2ctl.config.inventory", "read_inventory_file")


@user_errors
def validate(
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
    paths = [resources.resolve(p, "playbooks") for p in playbook]
    pb = load_playbooks(paths)
    problems = ProblemList()
    extra = parse_extra_vars(extra_vars)
    sets = [("", extra)]  # each control's own playbook vars are added beneath (check_parameters)
    if inventory is not None:
        found = variable_sets(pb, resources.resolve(inventory, "inventories"), extra, profile)
        sets = found.sets
        for note in found.notes:
            Ui.err().print(f"note: {escape(note)}")
    check_parameters(pb, problems, sets)
    check_exceptions(pb, problems)
    notes: list[str] = []
    if inventory is not None:
        inv_path = resources.resolve(inventory, "inventories")
        notes = designation_notes(inv_path, *read_inventory_file(inv_path), problems)
    problems.raise_if_any()
    for note in notes:
        Ui.out().print(f"note: {escape(note)}", highlight=False)
    names = ", ".join(str(p) for p in paths)
    imported = len(pb.files) - len(set(paths))
    also = f" (and {imported} imported playbook(s))" if imported > 0 else ""
    Ui.out().print(f"[green]ok[/green] {escape(names)}{also}: {len(pb.spec.controls)} controls valid")
