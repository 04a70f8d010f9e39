"""Drift and exception rules without AWS: exception matching, validate's file:line errors, limit precedence,
history decisions, and the moto Security Hub filter emulation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.config.inventory import Account
from soc2ctl.config.models import ControlSpec, DriftSettings, ExceptionEntry
from soc2ctl.config.risk_exceptions import drop_excepted, match
from soc2ctl.drift.history import Prior, _decide
from soc2ctl.drift.policy import DEFAULT_MAX_CHANGES, resolve_limits
from soc2ctl.remediation import Change
from soc2ctl_sandbox.moto_ext.securityhub_findings import matches

runner = CliRunner()
TODAY = dt.date(2026, 1, 10)


def entry(**kw: object) -> ExceptionEntry:
    base = {"justification": "why", "owner": "me", "expires": "2026-01-10"}
    return ExceptionEntry.model_validate({**base, **kw})


def test_exception_matches_by_account_id_or_name_and_region_and_expires_after_its_day():
    control = ControlSpec(
        id="c",
        remediation="iam-password-policy",
        exceptions=[entry(accounts=["prod"], regions=["eu-west-1"]), entry(accounts=[111111111111])],
    )
    prod, other = Account("222222222222", "prod"), Account("111111111111", "x")
    assert match(control, prod, "eu-west-1", TODAY).task is not None
    assert match(control, prod, "us-east-1", TODAY).task is None
    assert match(control, other, None, TODAY).task is not None  # unquoted ids are accepted as text
    later = match(control, other, None, TODAY + dt.timedelta(days=1))
    assert later.task is None and later.expired is not None


def test_resource_exception_drops_only_that_resources_changes():
    arn = "arn:aws:kms:us-east-1:111111111111:key/1"
    changes = [
        Change((arn, "rotation"), False, True),
        Change(("arn:aws:kms:us-east-1:111111111111:key/2", "rotation"), False, True),
    ]
    assert [c.path for c in drop_excepted(changes, (arn,))] == [changes[1].path]


def test_validate_names_file_and_line_of_bad_exceptions(tmp_path: Path):
    pb = tmp_path / "pb.yml"
    pb.write_text(
        """\
name: x
controls:
  - id: pw
    remediation: iam-password-policy
    exceptions:
      - accounts: [a1]
        owner: me
        expires: 2099-01-01
"""
    )
    result = runner.invoke(app, ["validate", str(pb)])
    assert result.exit_code == 1
    assert f"{pb}:6" in result.output and "justification" in result.output

    pb.write_text(
        """\
name: x
controls:
  - id: pw
    remediation: iam-password-policy
    exceptions:
      - accounts: [a1]
        justification: legacy
        owner: me
        expires: 2020-01-01
      - {justification: everything, owner: me, expires: 2099-01-01}
"""
    )
    result = runner.invoke(app, ["validate", str(pb)])
    assert result.exit_code == 1
    assert f"{pb}:9" in result.output and "expired on 2020-01-01" in result.output
    assert f"{pb}:10" in result.output and "names no accounts, regions or resources" in result.output


def test_limits_cli_over_playbook_over_default():
    assert resolve_limits(None, None, DriftSettings()).max_changes == DEFAULT_MAX_CHANGES
    from_playbook = resolve_limits(None, None, DriftSettings(max_changes=3, max_changes_per_account=1))
    assert (from_playbook.max_changes, from_playbook.max_per_account, from_playbook.source) == (
        3,
        1,
        "playbook",
    )
    cli = resolve_limits(5, None, DriftSettings(max_changes=3, max_changes_per_account=1))
    assert (cli.max_changes, cli.max_per_account, cli.source) == (5, 1, "cli")


def test_history_decisions():
    assert _decide("in", "t1", {}, "r") == Prior("drift", "t1", "r")
    assert _decide("out", "t1", {}, "r") is None  # a plain plan saw it out: look further back
    carried = {"classification": "never-compliant", "since": None}
    assert _decide("out", "t1", carried, "r") == Prior("never-compliant", None, "r")
    restored = {"classification": "drift", "state_after": "in", "restored_at": "t2"}
    assert _decide("out", "t1", restored, "r") == Prior("drift", "t2", "r")


def test_moto_findings_filter_emulation():
    finding = {"Id": "soc2ctl/a", "GeneratorId": "soc2ctl/c", "Workflow": {"Status": "NEW"}}
    assert matches(finding, {"GeneratorId": [{"Value": "soc2ctl/", "Comparison": "PREFIX"}]})
    assert matches(finding, {"WorkflowStatus": [{"Value": "NEW", "Comparison": "EQUALS"}]})
    assert not matches(finding, {"WorkflowStatus": [{"Value": "NEW", "Comparison": "NOT_EQUALS"}]})
    assert not matches(finding, {"Id": [{"Value": "other", "Comparison": "EQUALS"}]})
