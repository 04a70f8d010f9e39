"""`soc2ctl schema playbook|inventory`: the JSON Schema of a playbook or inventory file, for editors."""

from __future__ import annotations

from typing import Annotated

import typer

from soc2ctl.cli.choices import SchemaKind, one_of


def schema_cmd(
    kind: Annotated[str, typer.Argument(help="playbook or inventory.", metavar="playbook|inventory")],
) -> None:
    """Print the JSON Schema of playbook or inventory files (generated from the models soc2ctl validates
    with). The shipped files reference the committed copies in schemas/.

    Example: soc2ctl schema playbook > schemas/playbook.schema.json
    """
    from soc2ctl.config.schemas import schema_text

    typer.echo(schema_text(one_of(SchemaKind, "schema")(kind).value), nl=False)
