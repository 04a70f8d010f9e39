"""`soc2ctl schema playbook|inventory`: the JSON Schema of a playbook or inventory file, for editors."""

from __future__ import annotations

from typing import Annotated

import typer

from soc2ctl.cli.common import user_errors
from soc2ctl.cli.lazy import lazy
from soc2ctl.errors import UserError

schemas = lazy("soc2ctl.config.schemas")


@user_errors
def schema_cmd(
    kind: Annotated[str, typer.Argument(help="playbook or inventory.")],
) -> None:
    """Print the JSON Schema of playbook or inventory files (generated from the models soc2ctl validates
    with). The shipped files reference the committed copies in schemas/.

    Example: soc2ctl schema playbook > schemas/playbook.schema.json
    """
    if kind not in ("playbook", "inventory"):
        raise UserError(f"schema {kind!r}: choose playbook or inventory")
    typer.echo(schemas.schema_text(kind), nl=False)
