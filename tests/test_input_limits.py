"""Hostile playbooks, inventories and options: one clear line per problem and exit 1, never a traceback
or a hang. Each case here used to crash, hang or silently do the wrong thing."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.config import playbook as config_playbook

runner = CliRunner()
GOOD = "name: ok\ncontrols:\n  - {id: ebs, remediation: ebs-default-encryption}\n"
DISCOVER = "organization: {discover: true}\nregions: [us-east-1]\n"


def validate(*args: str):
    result = runner.invoke(app, ["validate", *args])
    assert "Traceback" not in result.output
    return result


def one_error(result, *words: str) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, result.output
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"name: \xff\xfe bad\ncontrols: []\n", ["not UTF-8", ":1:"]),
        (b"name: x\nvars: {a: " + b"[" * 1000 + b"]" * 1000 + b"}\n", ["nested deeper than"]),
        (b"name: x\nvars: {n: " + b"9" * 5000 + b"}\n", ["integer with 5000 digits", ":2:"]),
        (b"name: x\nvars: {d: 2024-02-30}\n", ["invalid date", ":2:"]),
        (
            b"name: x\ncontrols:\n  - id: p\n    remediation: iam-password-policy\n"
            b"    desired: {minimum_password_length: 14}\n    desired: {minimum_password_length: 6}\n",
            ["duplicate key 'desired' (lines 5 and 6)"],
        ),
        (
            b"name: x\nvars:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + b"".join(
                f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}' if i > 1 else '*a'] * 10)}]\n".encode()
                for i in range(1, 9)
            ),
            ["expands to more than"],
        ),
        (b"name: x\nvars: {r: &r [*r]}\n", ["refers to the value that contains it"]),
        (  # a billion laughs where templates are rendered: the old code walked 10**9 values (>120 s CPU)
            b"name: x\nvars:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + b"".join(
                f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}' if i > 1 else '*a'] * 10)}]\n".encode()
                for i in range(1, 9)
            )
            + b"controls:\n  - id: g\n    remediation: scp-guardrails\n    desired: {exempt_principals: *a8}\n",
            ["expands to more than"],
        ),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path, content, words):
    path = tmp_path / "pb.yml"
    path.write_bytes(content)
    one_error(validate(str(path)), str(path), *words)


def test_special_files_are_refused_without_opening(tmp_path):
    fifo = tmp_path / "pb.yml"
    os.mkfifo(fifo)  # opening it would block for ever
    one_error(validate(str(fifo)), "FIFO")
    one_error(validate(str(tmp_path)), "a directory")
    one_error(validate("/dev/zero"), "character device")


def test_explicit_missing_path_is_an_error_not_a_shipped_file(tmp_path):
    missing = tmp_path / "playbooks" / "soc2-baseline.yml"
    one_error(validate(str(missing)), "no such playbook")
    assert validate("soc2-baseline").exit_code == 0  # the bare name still finds the shipped one


def test_ambiguous_account_name_lists_both_ids(tmp_path):
    (tmp_path / "pb.yml").write_text(
        "name: x\ncontrols:\n  - id: ga\n    remediation: access-analyzer\n"
        "    desired: {admin_account_id: \"{{ account_ids['twin'] }}\"}\n"
    )
    (tmp_path / "inv.yml").write_text(
        'accounts:\n  "111111111111": {name: twin}\n  "222222222222": {name: twin}\n'
        'organization: {management_account: "333333333333"}\n'
    )
    result = validate(str(tmp_path / "pb.yml"), "-i", str(tmp_path / "inv.yml"))
    assert result.exit_code == 1
    assert "ambiguous: accounts 111111111111, 222222222222" in result.output


def test_bad_limit_pattern_is_one_line(org, tmp_path):
    (tmp_path / "pb.yml").write_text(GOOD)
    (tmp_path / "inv.yml").write_text(DISCOVER)
    result = runner.invoke(
        app, ["plan", str(tmp_path / "pb.yml"), "-i", str(tmp_path / "inv.yml"), "--limit", "a[/x]"]
    )
    one_error(result, "--limit 'a[/x]'")
    result = runner.invoke(app, ["inventory", "-i", str(tmp_path / "inv.yml"), "--limit", "a[/x]"])
    one_error(result, "a[/x]")


@pytest.mark.parametrize("url", ["http://[::1", "ftp://x", "http://host:99999", "not a url", "http://"])
def test_bad_endpoint_url_is_one_line(tmp_path, url):
    (tmp_path / "pb.yml").write_text(GOOD)
    (tmp_path / "inv.yml").write_text(f"endpoint_url: {url!r}\n{DISCOVER}")
    result = runner.invoke(app, ["plan", str(tmp_path / "pb.yml"), "-i", str(tmp_path / "inv.yml")])
    one_error(result, "endpoint_url", ":1:")


def test_memory_error_is_one_line(tmp_path, monkeypatch):
    (tmp_path / "pb.yml").write_text(GOOD)

    def explode(*_a, **_k):
        raise MemoryError

    monkeypatch.setattr(config_playbook, "load_playbooks", explode)
    one_error(validate(str(tmp_path / "pb.yml")), "too large")


@pytest.mark.parametrize("value", ['{"a": ' * 5000 + "1" + "}" * 5000, "n=" + "[" * 5000 + "]" * 5000])
def test_deep_extra_vars_are_refused_or_text(tmp_path, value):
    (tmp_path / "pb.yml").write_text(GOOD)
    result = validate(str(tmp_path / "pb.yml"), "-e", value)
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


GROUP_VAR = """\
organization: {discover: true}
regions: [us-east-1]
groups:
  everyone: {ous: [Workloads], vars: {password_min_length: sixteen}}
"""
PASSWORD = (
    "name: x\nvars: {password_min_length: 14}\ncontrols:\n  - id: pw\n    remediation: iam-password-policy\n"
    '    desired: {minimum_password_length: "{{ password_min_length }}"}\n'
)


def test_validate_applies_group_vars_of_discovered_accounts(org, tmp_path):
    (tmp_path / "pb.yml").write_text(PASSWORD)
    (tmp_path / "inv.yml").write_text(GROUP_VAR)
    result = validate(str(tmp_path / "pb.yml"), "-i", str(tmp_path / "inv.yml"))
    assert result.exit_code == 1
    assert (
        f"for account {org['alpha']} (alpha)" in result.output and "minimum_password_length" in result.output
    )


def test_validate_without_credentials_checks_group_vars_and_says_so(tmp_path, monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "pb.yml").write_text(PASSWORD)
    (tmp_path / "inv.yml").write_text(GROUP_VAR)
    result = validate(str(tmp_path / "pb.yml"), "-i", str(tmp_path / "inv.yml"))
    assert result.exit_code == 1
    assert "with group everyone vars" in result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "could not discover the organization's accounts" in notes[0]


@pytest.mark.parametrize("escape", ["7fffffff", "9" * 40])  # ValueError, OverflowError (found by the fuzzer)
def test_out_of_range_unicode_escape_is_one_line(tmp_path, escape):
    (tmp_path / "pb.yml").write_text(f'name: x\nhosts: all\ncontrols: ["\\U{escape}"]\n')
    one_error(validate(str(tmp_path / "pb.yml")), "invalid YAML")
