"""JSON Schemas of playbooks and inventories, generated from the models that validate them.

Why generated: the pydantic models are what soc2ctl enforces; a hand-written schema would drift from them.
The schemas are committed (schemas/*.schema.json, checked current by a test) so editors can use them
offline: every shipped playbook and inventory names its schema on its first line
(`# yaml-language-server: $schema=...`), which the YAML language server (VS Code, Neovim, JetBrains) reads
for completion, hover text and errors while typing. soc2ctl itself never reads these files: validation
stays with the models (which also check what a schema cannot: modules, ids, templates, lines).
"""

from __future__ import annotations

import json
from typing import Any

from soc2ctl.config.models import InventoryFile, PlaybookFile

KINDS = {"playbook": PlaybookFile, "inventory": InventoryFile}
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
TITLES = {
    "playbook": "soc2ctl playbook: the controls to keep, where, with which parameters",
    "inventory": "soc2ctl inventory: which accounts and regions a run may touch, and their variables",
}


def json_schema(kind: str) -> dict[str, Any]:
    """The schema of a playbook or inventory file (the input form: what a YAML file may say)."""
    model = KINDS[kind]
    body = model.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": SCHEMA_DIALECT, "$id": f"{kind}.schema.json", **body, "title": TITLES[kind]}


def schema_text(kind: str) -> str:
    """The committed file's exact text (sorted keys, two-space indent, final newline)."""
    return json.dumps(json_schema(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
