"""Renderings of the plan document: golden files for every format, the published JSON Schema, GFM tables
that do not break, colour only on a terminal, and the noise budget of a 300-account plan.

Golden files live in tests/golden/; after an intended change of output, regenerate them with
`UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_render.py` and review the diff like any other change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markdown_it import MarkdownIt
from rich.console import Console
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.config.inventory import Account
from soc2ctl.config.models import ControlSpec, Risk
from soc2ctl.engine import plan as plan_module
from soc2ctl.engine.executor import TaskResult
from soc2ctl.engine.plan import plan_document
from soc2ctl.engine.tasks import Task, task_key
from soc2ctl.remediation import Change, Remediation, Scope
from soc2ctl.render.markdown import render_markdown
from soc2ctl.render.text import plan_lines, render_plan

GOLDEN = Path(__file__).parent / "golden"
SCHEMA = json.loads((Path(__file__).parent.parent / "docs" / "plan-schema.json").read_text())
runner = CliRunner()


# ---------------------------------------------------------------- a fixed plan, no AWS


class OrgModule(Remediation):
    """Test-only organization-scope module."""

    name = "test-org"
    scope = Scope.ORG
    criteria = ("CC7.2",)


class AccountModule(Remediation):
    """Test-only account-scope module."""

    name = "test-account"
    scope = Scope.ACCOUNT
    criteria = ("CC6.1",)


class RegionModule(Remediation):
    """Test-only region-scope module."""

    name = "test-region"
    scope = Scope.REGION
    criteria = ("CC6.1", "C1.1")
    human_step = "Ask the bucket owner to remove the public grant."


MODULES = {Scope.ORG: OrgModule(), Scope.ACCOUNT: AccountModule(), Scope.REGION: RegionModule()}


def result(
    control: str,
    account: tuple[str, str],
    scope: Scope,
    action: str,
    changes: list[tuple[str, Any, Any]] = (),  # type: ignore[assignment]
    *,
    region: str | None = "us-east-1",
    risk: str = "medium",
    criteria: tuple[str, ...] = (),
    error: str | None = None,
) -> TaskResult:
    region = region if scope is Scope.REGION else None
    spec = ControlSpec(id=control, remediation=MODULES[scope].name, criteria=list(criteria), risk=risk)
    task = Task(
        task_key(control, account[0], region),
        spec,
        MODULES[scope],
        Account(id=account[0], name=account[1]),
        region,
        region or "us-east-1",
        {},
    )
    fp = None if action in ("error", "skipped") else "sha256:" + hashlib.sha256(task.key.encode()).hexdigest()
    return TaskResult(
        task,
        action=action,
        changes=[Change(keys(path), before, after) for path, before, after in changes],
        fingerprint=fp,
        error=error,
    )


def keys(path: str) -> tuple[str, ...]:
    """`[arn:aws:s3:::b].acl` -> ("arn:aws:s3:::b", "acl"): the keys a plan shows as that path."""
    return tuple(bracketed or plain for bracketed, plain in re.findall(r"\[([^\]]*)\]|([^.\[\]]+)", path))


MGMT, PAY, LAKE, LEGACY, QUIET = (
    ("999999999999", "management"),
    ("111111111111", "payments-prod"),
    ("222222222222", "data|lake *prod*"),
    ("333333333333", "legacy"),
    ("444444444444", "quiet"),
)
PAB = {
    "block_public_acls": True,
    "block_public_policy": True,
    "ignore_public_acls": True,
    "restrict_public_buckets": True,
}


def fixed_results() -> list[TaskResult]:
    key_arn = "arn:aws:kms:us-east-1:222222222222:key/1234"
    return [
        result(
            "guardduty-admin",
            MGMT,
            Scope.ORG,
            "create",
            [("admin_account_id", None, "999999999999")],
            risk="high",
        ),
        result(
            "password-policy", PAY, Scope.ACCOUNT, "update", [("minimum_password_length", 8, 14)], risk="high"
        ),
        result("public-access-block", PAY, Scope.ACCOUNT, "create", [("configuration", None, PAB)]),
        result("ebs-encryption", PAY, Scope.REGION, "no-op"),
        result("ebs-encryption", PAY, Scope.REGION, "no-op", region="eu-west-1"),
        result(
            "kms-rotation",
            LAKE,
            Scope.REGION,
            "update",
            [(f"[{key_arn}].rotation_enabled", False, True), (f"[{key_arn}].description", "a|b", "c|d `x`")],
            criteria=("CC6.1", "CC6.7"),
        ),
        result(
            "app-secret", LAKE, Scope.ACCOUNT, "update", [("db_password", "hunter2-plaintext", "n3w-s3cret")]
        ),
        result(
            "bucket-grants",
            LAKE,
            Scope.REGION,
            "detect",
            [("[arn:aws:s3:::public-bucket].acl", "public-read", "private")],
        ),
        result(
            "flow-logs",
            LAKE,
            Scope.REGION,
            "delete",
            [("[vpc-1].legacy_log", {"destination": "s3"}, None)],
            risk="high",
        ),
        result(
            "password-policy",
            LEGACY,
            Scope.ACCOUNT,
            "error",
            error="account 333333333333: AccessDenied: not authorized (calling GetAccountPasswordPolicy)",
        ),
        result(
            "ebs-encryption",
            LEGACY,
            Scope.REGION,
            "skipped",
            error="skipped: depends on password-policy/333333333333/-, which failed",
        ),
        result("password-policy", QUIET, Scope.ACCOUNT, "no-op"),
        result("ebs-encryption", QUIET, Scope.REGION, "no-op"),
    ]


def fixed_plan(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(plan_module, "__version__", "0.0.0-golden")
    results = {r.task.key: r for r in fixed_results()}
    return plan_document(
        results,
        run_id="20250101T000000Z-golden",
        playbook={"path": "playbooks/golden.yml", "sha256": "a" * 64},
        inventory={"path": "inventories/golden.yml", "sha256": "b" * 64},
        run={
            "playbook_name": "Golden | baseline",
            "playbook_path": "/repo/playbooks/golden.yml",
            "inventory_path": "/repo/inventories/golden.yml",
            "limit": None,
            "controls": None,
            "extra_vars": {},
            "redacted_vars": [],
        },
        created_at="2025-01-01T00:00:00+00:00",
    )


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual)
    assert path.exists(), f"{path} missing: run with UPDATE_GOLDEN=1"
    assert actual == path.read_text(), f"{name} differs from the golden file (UPDATE_GOLDEN=1 to accept)"


def show(doc: dict[str, Any], tmp_path: Path, fmt: str) -> str:
    """Through the real CLI, as a reviewer runs it: `soc2ctl show plan.json --format FMT`."""
    planfile = tmp_path / "plan.json"
    planfile.write_text(json.dumps(doc, indent=2))
    out = runner.invoke(app, ["show", str(planfile), "--format", fmt])
    assert out.exit_code == 0, out.output
    return out.stdout


# ---------------------------------------------------------------- golden files


def test_golden_json(monkeypatch):
    doc = fixed_plan(monkeypatch)
    check_golden("plan.json", json.dumps(doc, indent=2) + "\n")
    jsonschema.validate(doc, SCHEMA)


@pytest.mark.parametrize(
    ("fmt", "name"), [("text", "plan.txt"), ("markdown", "plan.md"), ("json", "show.json")]
)
def test_golden_show(monkeypatch, tmp_path, fmt, name):
    check_golden(name, show(fixed_plan(monkeypatch), tmp_path, fmt))


def test_secret_in_fixed_plan_is_masked(monkeypatch, tmp_path):
    doc = fixed_plan(monkeypatch)
    for fmt in ("text", "markdown", "json"):
        out = show(doc, tmp_path, fmt)
        assert "hunter2" not in out and "n3w-s3cret" not in out and "(sensitive)" in out


def test_plan_sha256_is_the_canonical_hash(monkeypatch):
    doc = fixed_plan(monkeypatch)
    assert doc == json.loads(json.dumps(doc))  # JSON data already: no round trip needed
    odd = {"t": (1, 2), 1: "x", None: True, 1.5: [dt.date(2024, 1, 1)], "v": [b"b", {3}, Risk.HIGH]}
    assert json.dumps(plan_module.plain(odd)) == json.dumps(json.loads(json.dumps(odd, default=str)))
    assert doc["plan_sha256"] == plan_module.canonical_sha256(json.loads(json.dumps(doc)))
    edited = {**doc, "tasks": doc["tasks"][1:]}
    assert plan_module.canonical_sha256(edited) != doc["plan_sha256"]


def test_schema_rejects_a_malformed_plan(monkeypatch):
    doc = fixed_plan(monkeypatch)
    doc["tasks"][0]["action"] = "replace"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)


# ---------------------------------------------------------------- markdown tables


def cells_in_source(line: str) -> int:
    parts = re.split(r"(?<!\\)\|", line.strip())
    return len(parts) - 2  # leading and trailing pipe


def assert_tables_sound(markdown: str) -> int:
    """Every `|` line belongs to a parsed table, and each table row has the header's column count, both as
    parsed by markdown-it (GFM tables) and as written (unescaped pipes). Returns the number of tables."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    lines = markdown.splitlines()
    in_tables: set[int] = set()
    tables = 0
    for i, tok in enumerate(tokens):
        if tok.type != "table_open":
            continue
        tables += 1
        start, end = tok.map
        in_tables.update(range(start, end))
        widths, width = [], 0
        for t in tokens[i + 1 :]:
            if t.type == "table_close":
                break
            if t.type == "tr_open":
                width = 0
            elif t.type in ("th_open", "td_open"):
                width += 1
            elif t.type == "tr_close":
                widths.append(width)
        assert len(set(widths)) == 1, widths
        assert {cells_in_source(line) for line in lines[start:end]} == {widths[0]}, lines[start:end]
    stray = [n for n, line in enumerate(lines) if line.startswith("|") and n not in in_tables]
    assert not stray, [lines[n] for n in stray]
    return tables


def test_markdown_tables_are_sound_and_pipes_survive(monkeypatch):
    markdown = render_markdown(fixed_plan(monkeypatch))
    assert assert_tables_sound(markdown) == 4  # blast radius, by risk, by account, not evaluated
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    inline = " ".join(t.content for t in tokens if t.type == "inline")
    assert "data|lake" in markdown.replace("\\|", "|") and "a|b" in markdown
    assert any("data\\|lake" in t.content or "data|lake" in t.content for t in tokens if t.type == "inline")
    assert "High-risk" in markdown or "high-risk" in inline
    first_table = markdown.index("\n|")
    assert markdown.index("high-risk change(s)") < first_table  # flagged at the top


def test_markdown_groups_identical_changes_across_accounts():
    doc = big_plan(accounts=40, drifted=20)
    markdown = render_markdown(doc)
    assert "The same change in 20 accounts" in markdown  # one entry, not 20 copies
    assert markdown.count("minimum_password_length: 8 -> 14") == 1
    assert "The same change in 4 accounts" in markdown  # the public-access-block creates
    assert len(markdown) < 12_000


def test_markdown_keeps_within_max_chars_with_every_high_risk_change_in_full():
    doc = varied_plan(accounts=300)
    full = render_markdown(doc, max_chars=10_000_000)
    limited = render_markdown(doc, max_chars=20_000, pointer="the artifact plan.json")
    assert len(full) > 20_000 >= len(limited)
    high = [t for t in doc["tasks"] if t["risk"] == "high" and t["action"] in ("create", "update", "delete")]
    assert high
    for task in high:  # each high-risk change shown whole: its account and its full value
        assert task["account_id"] in limited
        assert task["changes"][0]["after"]["statements"][0] in limited
    assert "### Not shown here (size limit)" in limited and "the artifact plan.json" in limited
    assert "### By risk" in limited and "### Blast radius" not in limited  # no org task here
    assert assert_tables_sound(limited) >= 2


def test_markdown_summary_degrades_but_never_exceeds_the_limit():
    doc = varied_plan(accounts=300)
    tiny = render_markdown(doc, max_chars=2_000, pointer="plan.json")
    assert len(tiny) <= 2_000 and "plan.json" in tiny


def test_detect_only_findings_have_their_own_section_after_the_changes(monkeypatch):
    markdown = render_markdown(fixed_plan(monkeypatch))
    detect = markdown.index("### Detect only")
    assert markdown.index("### Changes") < detect
    assert markdown.index("bucket-grants") > detect  # the finding sits in its section
    assert markdown.index("kms-rotation") < detect


def test_every_change_shows_risk_and_reason(monkeypatch):
    doc = fixed_plan(monkeypatch)
    markdown = render_markdown(doc)
    text_out = "\n".join(plan_lines(doc))
    for task in doc["tasks"]:
        if task["action"] in ("create", "update", "delete", "detect"):
            assert task["summary"] in text_out
            assert f"{task['control']} {task['action']} · " in markdown
    assert "medium risk" in markdown and "medium risk" in text_out and "HIGH risk" in text_out


def varied_plan(accounts: int) -> dict[str, Any]:
    """Every account: a high-risk update with a long value of its own, and a medium update of its own."""
    results = []
    for n in range(accounts):
        account = (f"{100000000000 + n}", f"acct-{n:03d}")
        long_value = {"statements": [f"stmt-{n:03d}", "long value " * 20]}
        results.append(
            result(
                "policy",
                account,
                Scope.ACCOUNT,
                "update",
                [("doc", {"statements": []}, long_value)],
                risk="high",
            )
            if n % 60 == 0
            else result("policy", account, Scope.ACCOUNT, "no-op")
        )
        results.append(result("tags", account, Scope.ACCOUNT, "update", [("owner", None, f"team-{n}" * 20)]))
    return plan_document(
        {r.task.key: r for r in results},
        run_id="varied",
        playbook={"path": "p.yml", "sha256": "a" * 64},
        inventory={"path": "i.yml", "sha256": "b" * 64},
    )


# ---------------------------------------------------------------- text


def big_plan(accounts: int, drifted: int) -> dict[str, Any]:
    """`accounts` accounts x (2 account tasks + 1 region task in 2 regions); the first `drifted` have
    an update (and every fifth a create and a high-risk change too)."""
    results = []
    for n in range(accounts):
        account = (f"{100000000000 + n}", f"sandbox-{n:03d}")
        drift = n < drifted
        pw = [("minimum_password_length", 8, 14)] if drift else []
        results.append(result("password-policy", account, Scope.ACCOUNT, "update" if drift else "no-op", pw))
        pab = [("configuration", None, PAB)] if drift and n % 5 == 0 else []
        results.append(
            result("public-access-block", account, Scope.ACCOUNT, "create" if pab else "no-op", pab)
        )
        for region in ("us-east-1", "eu-west-1"):
            results.append(result("ebs-encryption", account, Scope.REGION, "no-op", region=region))
    return plan_document(
        {r.task.key: r for r in results},
        run_id="big",
        playbook={"path": "p.yml", "sha256": "a" * 64},
        inventory={"path": "i.yml", "sha256": "b" * 64},
    )


def test_300_accounts_with_drift_in_20_fit_in_200_lines():
    doc = big_plan(accounts=300, drifted=20)
    assert doc["summary"]["tasks"] == 1200
    console = Console(file=io.StringIO(), width=100, soft_wrap=True)
    render_plan(doc, console)
    lines = console.file.getvalue().splitlines()
    assert len(lines) < 200, len(lines)
    assert lines[-2] == "Plan: 4 to create, 20 to update, 0 to delete, 0 to detect across 20 accounts."
    assert lines[-1] == f"Plan hash: {doc['plan_sha256']}"
    assert "280 account(s) already in state (1120 tasks)" in lines[-3]
    assert not any("sandbox-020" in line for line in lines)  # no per-account chatter for quiet accounts


def test_colour_on_a_terminal_and_none_when_piped(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    doc = big_plan(accounts=3, drifted=1)
    piped, tty = io.StringIO(), io.StringIO()
    render_plan(doc, Console(file=piped))
    render_plan(doc, Console(file=tty, force_terminal=True, color_system="standard"))
    assert "\x1b[" not in piped.getvalue()
    assert "\x1b[" in tty.getvalue()
    assert any(line.startswith("Plan: 1 to create, 1 to update") for line in piped.getvalue().splitlines())


def test_long_created_mapping_is_one_line_per_field(monkeypatch):
    lines = plan_lines(fixed_plan(monkeypatch))
    i = lines.index("      [green]+ configuration: {[/green]")
    assert lines[i + 1 : i + 5] == [
        f'      [green]+   "{k}": true{"," if k != "restrict_public_buckets" else ""}[/green]'
        for k in sorted(PAB)
    ]


def test_text_shows_long_values_in_full_and_compact_shortens_them():
    doc = varied_plan(accounts=2)
    full = "\n".join(plan_lines(doc))
    compact = "\n".join(plan_lines(doc, compact=True))
    assert "long value " * 19 in full and "team-0" * 20 in full
    assert "team-0" * 20 not in compact and "chars)" in compact


def test_policy_statements_diff_structurally():
    from soc2ctl.render.valuediff import change_lines

    before = {"Statement": {"A": {"Action": ["s3:Get*"], "Effect": "Deny"}, "B": {"Effect": "Deny"}}}
    after = {
        "Statement": {"A": {"Action": ["s3:Get*", "s3:Put*"], "Effect": "Deny"}, "C": {"Effect": "Allow"}}
    }
    lines = change_lines({"path": "policy", "before": before, "after": after})
    assert ("~", "policy:") in lines
    assert ("+", "        s3:Put*") in lines  # the one action added, not the whole policy twice
    assert ("-", "    B: {") in lines and ("+", "    C: {") in lines
    assert not any("s3:Get*" in text and sign in "+-" for sign, text in lines)  # unchanged: counted only


def test_org_task_says_how_many_accounts_it_reaches(monkeypatch):
    doc = fixed_plan(monkeypatch)
    org = next(t for t in doc["tasks"] if t["scope"] == "org")
    org["affected_accounts"] = [f"{n:012d}" for n in range(1, 13)]
    text_out = "\n".join(plan_lines(doc))
    assert "reaches 12 accounts" in text_out and "and 4 more" in text_out
    assert "reaches 12 accounts" in render_markdown(doc)
