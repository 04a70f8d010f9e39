"""The JSON Schemas of playbooks and inventories: generated from the models, committed current, named by
every shipped YAML file, and every shipped playbook and inventory validates against them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.config import schemas, shipped

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
KIND_DIRS = {"playbook": "playbooks", "inventory": "inventories"}
runner = CliRunner()


def shipped_files() -> list[tuple[str, Path]]:
    files = [(kind, p) for kind, d in KIND_DIRS.items() for p in sorted((ROOT / d).glob("*.yml"))]
    assert len(files) >= 4
    return files


def as_json(path: Path) -> object:
    """What an editor's YAML language server checks: the document as JSON (dates as text, keys as text)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))


def validator(kind: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.parametrize("kind", ["playbook", "inventory"])
def test_committed_schema_is_current(kind):
    committed = (SCHEMAS / f"{kind}.schema.json").read_text()
    assert committed == schemas.schema_text(kind), (
        f"schemas/{kind}.schema.json is stale; regenerate it: soc2ctl schema {kind} > schemas/{kind}.schema.json"
    )
    result = runner.invoke(app, ["schema", kind])
    assert result.exit_code == 0 and result.stdout == committed


@pytest.mark.parametrize(("kind", "path"), shipped_files(), ids=lambda v: getattr(v, "name", v))
def test_every_shipped_file_names_its_schema_and_validates(kind, path):
    first = path.read_text().splitlines()[0]
    assert first == f"# yaml-language-server: $schema=../schemas/{kind}.schema.json"
    assert (path.parent / first.split("=", 1)[1]).resolve() == (SCHEMAS / f"{kind}.schema.json").resolve()
    errors = sorted(validator(kind).iter_errors(as_json(path)), key=str)
    assert not errors, [f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors]


def test_the_shipped_lookup_finds_the_same_files():
    assert {p.name for p in shipped.shipped("playbooks")} == {
        p.name for k, p in shipped_files() if k == "playbook"
    }


@pytest.mark.parametrize(
    ("kind", "doc", "where"),
    [
        (
            "playbook",
            {"name": "x", "controls": [{"id": "a", "remediation": "m", "depend_on": ["b"]}]},
            "depend_on",
        ),
        ("playbook", {"name": "x", "controls": [{"id": "Bad Id", "remediation": "m"}]}, "Bad Id"),
        ("playbook", {"controls": [{"id": "a", "remediation": "m"}]}, "name"),
        ("inventory", {"regions": []}, "regions"),
        ("inventory", {"accounts": {"12345": {"name": "short"}}}, "12345"),
        ("inventory", {"organisation": {}}, "organisation"),
    ],
)
def test_the_schemas_catch_typos_an_editor_should_underline(kind, doc, where):
    errors = list(validator(kind).iter_errors(doc))
    assert errors and any(where in e.message or where in map(str, e.path) for e in errors)


def test_import_and_unquoted_account_ids_are_valid_for_the_editor_too():
    assert not list(validator("playbook").iter_errors({"name": "x", "import": ["common.yml"]}))
    inventory = {
        "accounts": {"111111111111": {}},
        "exclude": [222222222222],
        "groups": {"g": {"accounts": [333333333333]}},
    }
    assert not list(validator("inventory").iter_errors(inventory))
