"""The exit-code table of docs/exit-codes.md, run cell by cell: each outcome, each command.

The table is read from the document itself, so the docs cannot drift from what the CLI does. Each outcome is
set up in a one-account moto server organization with a password-policy control (fixable) and the root-MFA
control (detect-only: no API can enrol a root user's MFA device).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.engine.plan import Outcome, exit_code
from soc2ctl_sandbox.moto_ext.iam_account import set_root_mfa
from tests.helpers import STRONG_PASSWORD_POLICY, create_org, member_client

DOC = Path(__file__).resolve().parents[1] / "docs" / "exit-codes.md"
runner = CliRunner()

PLAYBOOK = """\
name: exit codes
vars: {pw_len: 14}
controls:
  - {id: pw, remediation: iam-password-policy, desired: {minimum_password_length: "{{ pw_len }}"}}
  - {id: root, remediation: root-mfa, desired: {hardware_for_management: false}}
"""
INVENTORY = "organization: {discover: true, role_name: OrganizationAccountAccessRole}\nregions: [us-east-1]\n"

# outcome row -> (password policy compliant?, root MFA on?, extra arguments)
OUTCOMES = {
    "in state": (True, True, []),
    "changes pending": (False, True, []),
    "detect-only findings open": (True, False, []),
    "detect-only findings open, `--fail-on detect`": (True, False, ["--fail-on", "detect"]),
    "errors": (True, True, ["-e", "pw_len=abc"]),
}
COMMANDS = {
    "`plan`": ["plan"],
    "`plan --detailed-exitcode`": ["plan", "--detailed-exitcode"],
    "`apply --auto-approve`": ["apply", "--auto-approve"],
    "`drift`": ["drift"],
}


def table() -> list[tuple[str, str, int]]:
    """(outcome, command, documented exit code) for every cell of the table in docs/exit-codes.md."""
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| ")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    cells = []
    for line in rows[1:]:
        values = [c.strip() for c in line.strip("|").split("|")]
        cells += [(values[0], header[i], int(values[i])) for i in range(1, len(header))]
    return cells


def test_the_table_covers_every_outcome_and_command():
    cells = table()
    assert {o for o, _, _ in cells} == set(OUTCOMES)
    assert {c for _, c, _ in cells} == set(COMMANDS)
    assert len(cells) == len(OUTCOMES) * len(COMMANDS)


@pytest.mark.parametrize(("outcome", "command", "expected"), table())
def test_exit_code(outcome, command, expected, server, tmp_path):
    compliant, root_mfa, extra = OUTCOMES[outcome]
    ids = create_org(server.endpoint, ["only"])
    account = ids["only"]
    if compliant:
        member_client("iam", account, endpoint=server.endpoint).update_account_password_policy(
            **STRONG_PASSWORD_POLICY
        )
    if root_mfa:
        set_root_mfa(account, "virtual")
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "inv.yml").write_text(INVENTORY)
    verb, *flags = COMMANDS[command]
    args = [verb, str(tmp_path / "pb.yml"), "-i", str(tmp_path / "inv.yml"), *flags, *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == expected, (outcome, command, result.output[-2000:])


@pytest.mark.parametrize(
    ("outcome", "fail_on", "expected"),
    [
        (Outcome(interrupted=True, errors=True, changes=True), {"changes"}, 130),
        (Outcome(errors=True, changes=True, detect=True), {"changes", "detect"}, 1),
        (Outcome(changes=True), {"changes"}, 2),
        (Outcome(changes=True), set(), 0),
        (Outcome(detect=True), {"changes"}, 0),
        (Outcome(detect=True), {"detect"}, 2),
        (Outcome(), {"changes", "detect"}, 0),
    ],
)
def test_the_rule_in_order(outcome, fail_on, expected):
    assert exit_code(outcome, fail_on) == expected
