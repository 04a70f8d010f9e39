"""`soc2ctl validate`: every problem reported with file:line, one line each, exit 1, never a traceback."""

from pathlib import Path

from typer.testing import CliRunner

from soc2ctl.cli.main import app

runner = CliRunner()

GOOD = """\
name: test
vars: {min_len: 14}
controls:
  - id: iam-password-policy
    remediation: iam-password-policy
    desired: {minimum_password_length: "{{ min_len }}"}
  - id: ebs-default-encryption
    remediation: ebs-default-encryption
    depends_on: [iam-password-policy]
"""


def validate(tmp_path: Path, text: str, *extra: str):
    path = tmp_path / "pb.yml"
    path.write_text(text)
    result = runner.invoke(app, ["validate", str(path), *extra])
    return result, str(path)


def test_valid_playbook(tmp_path):
    result, _ = validate(tmp_path, GOOD)
    assert result.exit_code == 0, result.output
    assert "2 controls valid" in result.output


def test_shipped_baseline_is_valid():
    result = runner.invoke(
        app, ["validate", "playbooks/soc2-baseline.yml", "-i", "inventories/example-static.yml"]
    )
    assert result.exit_code == 0, result.output


def test_malformed_yaml_names_file_and_line(tmp_path):
    result, path = validate(tmp_path, "name: x\ncontrols:\n  - id: a\n    remediation: [unclosed\n")
    assert result.exit_code == 1
    assert f"{path}:" in result.output and "invalid YAML" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_unknown_remediation(tmp_path):
    result, path = validate(
        tmp_path, GOOD.replace("remediation: ebs-default-encryption", "remediation: ebs-magic")
    )
    assert result.exit_code == 1
    assert f"{path}:8: control 'ebs-default-encryption': unknown remediation 'ebs-magic'" in result.output


def test_dependency_cycle(tmp_path):
    text = GOOD.replace(
        '    desired: {minimum_password_length: "{{ min_len }}"}',
        '    desired: {minimum_password_length: "{{ min_len }}"}\n    depends_on: [ebs-default-encryption]',
    )
    result, path = validate(tmp_path, text)
    assert result.exit_code == 1
    assert "dependency cycle" in result.output and path in result.output


def test_unknown_key_unknown_dependency_and_variable_all_reported(tmp_path):
    text = GOOD.replace("depends_on: [iam-password-policy]", "depends_on: [nope]\n    dependson: []").replace(
        "{{ min_len }}", "{{ min_length }}"
    )
    result, path = validate(tmp_path, text)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert any(f"{path}:10: controls.1.dependson: unknown key" in line for line in lines), lines


def test_unknown_variable_and_parameter_type(tmp_path):
    text = GOOD.replace("{{ min_len }}", "{{ min_length }}")
    result, path = validate(tmp_path, text)
    assert result.exit_code == 1
    assert f"{path}:6: control 'iam-password-policy': unknown variable(s) min_length" in result.output
    bad_type = GOOD.replace("vars: {min_len: 14}", "vars: {min_len: fourteen}")
    result, path = validate(tmp_path, bad_type)
    assert result.exit_code == 1
    assert "minimum_password_length" in result.output and f"{path}:6" in result.output


def test_unknown_parameter_of_module(tmp_path):
    text = GOOD.replace("    depends_on: [iam-password-policy]", "    desired: {enabld: true}")
    result, path = validate(tmp_path, text)
    assert result.exit_code == 1
    assert (
        f"{path}:9: control 'ebs-default-encryption': controls.1.desired.enabld: unknown key" in result.output
    )


def test_variables_checked_per_account_with_inventory(tmp_path):
    inv = tmp_path / "inv.yml"
    inv.write_text(
        'organization: {management_account: "111111111111"}\n'
        'accounts:\n  "222222222222": {name: bad, vars: {min_len: 3}}\n  "333333333333": {name: good}\n'
    )
    result, _ = validate(tmp_path, GOOD, "-i", str(inv))
    assert result.exit_code == 1
    assert "for account 222222222222 (bad)" in result.output
    assert "333333333333" not in result.output
