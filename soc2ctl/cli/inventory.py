"""`soc2ctl inventory`: the accounts, groups, regions and variables an inventory resolves to."""

from __future__ import annotations

import json

import typer

from soc2ctl.cli.choices import TextOrJson
from soc2ctl.cli.common import FormatOpt, InventoryOpt, LimitOpt, ProfileOpt
from soc2ctl.cli.ui import ui
from soc2ctl.errors import UserError


def inventory_cmd(
    ctx: typer.Context,
    inventory: InventoryOpt,
    limit: LimitOpt = None,
    fmt: FormatOpt = TextOrJson.text,
    profile: ProfileOpt = None,
) -> None:
    """List the accounts, OUs, groups, regions and variables an inventory resolves to.

    Example: soc2ctl inventory -i inventories/sandbox.yml --limit 'prod:!legacy'
    """
    from rich.markup import escape

    from soc2ctl.config import shipped as resources
    from soc2ctl.engine.plan import new_run_id
    from soc2ctl.run.builder import load_inventory

    inv, _ = load_inventory(resources.resolve(inventory, "inventories"), run_id=new_run_id(), profile=profile)
    if limit and (bad := inv.unknown_pattern_terms(limit)):
        raise UserError(f"--limit {limit!r}: {', '.join(bad)} match(es) no account or group")
    accounts = inv.select(limit)
    if fmt == "json":
        doc = {
            "management_account_id": inv.management_account_id,
            "home_region": inv.home_region,
            "groups": sorted(inv.spec.groups),
            "accounts": [
                {
                    "id": a.id,
                    "name": a.name,
                    "ou_path": a.ou_path,
                    "tags": a.tags,
                    "groups": list(a.groups),
                    "regions": list(a.regions),
                    "vars": a.vars,
                    "is_management": a.is_management,
                }
                for a in accounts
            ],
        }
        typer.echo(json.dumps(doc, indent=2, default=str))
        return
    out = ui(ctx).out()
    out.print(f"management account {inv.management_account_id}, home region {inv.home_region}")
    for a in accounts:
        out.print(
            f"[bold]{escape(a.name)}[/bold] {a.id}  ou={escape(a.ou_path or '-')}  "
            f"groups={escape(','.join(a.groups) or '-')}  regions={escape(','.join(a.regions))}"
        )
        if a.tags:
            out.print(f"    tags: {escape(json.dumps(a.tags, sort_keys=True))}")
        if a.vars:
            out.print(f"    vars: {escape(json.dumps(a.vars, sort_keys=True, default=str))}")
    out.print(f"{len(accounts)} account(s)")
