"""Secrets never reach plan output or saved plan files.

A test-only remediation module, registered for the test through the registry's result, reads an observed
state full of secrets (a password, an AWS secret access key, a session token, a private key) next to
settings whose names merely contain secret words (`minimum_password_length`, `require_symbols`). The plan,
in every format and in the saved file, must show the harmless settings and none of the secrets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from soc2ctl import registry
from soc2ctl.cli.main import app
from soc2ctl.engine.plan import SENSITIVE_MASK, is_secret_key, redact, redact_text
from soc2ctl.remediation import Remediation, Scope, TaskContext

runner = CliRunner()

PASSWORD = "hunter2-plaintext"
NEW_PASSWORD = "correct-horse-battery"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
NEW_AWS_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6example0token0value"
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAexample\n-----END RSA PRIVATE KEY-----"
SECRETS = (PASSWORD, NEW_PASSWORD, AWS_SECRET, NEW_AWS_SECRET, SESSION_TOKEN, "MIIEowIBAAKCAQEAexample")


class LeakyModule(Remediation):
    """Test-only: an account setting whose observed state holds secrets."""

    name = "test-leaky"
    scope = Scope.ACCOUNT
    criteria = ("CC6.1",)

    def read(self, ctx: TaskContext, params: Any) -> dict[str, Any]:
        return {
            "db_password": PASSWORD,
            "signing": {"SecretAccessKey": AWS_SECRET, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE"},
            "SessionToken": SESSION_TOKEN,
            "tls": {"private_key": PRIVATE_KEY},
            "note": f"rotated from {AWS_SECRET}",
            "minimum_password_length": 8,
            "require_symbols": False,
            "allow_users_to_change_password": False,
        }

    def desired(self, ctx: TaskContext, params: Any, observed: Any) -> dict[str, Any]:
        return {
            "db_password": NEW_PASSWORD,
            "signing": {"SecretAccessKey": NEW_AWS_SECRET},
            "SessionToken": None,
            "tls": {"private_key": None},
            "note": "rotated",
            "minimum_password_length": 14,
            "require_symbols": True,
            "allow_users_to_change_password": True,
        }


@pytest.fixture
def leaky(aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setitem(registry.registry(), LeakyModule.name, LeakyModule())
    (tmp_path / "pb.yml").write_text(
        "name: leaky\nhosts: all\ncontrols:\n  - {id: leaky, remediation: test-leaky}\n"
    )
    (tmp_path / "inv.yml").write_text(
        'organization: {discover: false, management_account: "999999999999"}\n'
        'accounts: {"111111111111": {name: app}}\n'
    )
    return {"pb": tmp_path / "pb.yml", "inv": tmp_path / "inv.yml", "plan": tmp_path / "plan.json"}


def test_secrets_absent_from_every_format_and_the_saved_file(leaky):
    outputs = {}
    for fmt in ("text", "markdown", "json"):
        args = [
            "plan",
            str(leaky["pb"]),
            "-i",
            str(leaky["inv"]),
            "--format",
            fmt,
            "--out",
            str(leaky["plan"]),
        ]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        outputs[fmt] = result.output  # stdout and stderr: a secret must be in neither
        if fmt == "json":
            json_stdout = result.stdout
        outputs[f"{fmt} file"] = leaky["plan"].read_text()
        shown = runner.invoke(app, ["show", str(leaky["plan"]), "--format", fmt])
        outputs[f"{fmt} show"] = shown.output
    for where, text in outputs.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret[:8]}… leaked in {where}"
        assert SENSITIVE_MASK in text, where
    changes = {c["path"]: c for c in json.loads(json_stdout)["tasks"][0]["changes"]}
    assert changes["minimum_password_length"] == {"path": "minimum_password_length", "before": 8, "after": 14}
    assert changes["require_symbols"]["after"] is True
    assert changes["allow_users_to_change_password"]["after"] is True  # a boolean is not a secret
    assert changes["db_password"] == {
        "path": "db_password",
        "before": SENSITIVE_MASK,
        "after": SENSITIVE_MASK,
    }
    assert changes["SessionToken"] == {"path": "SessionToken", "before": SENSITIVE_MASK, "after": None}
    assert changes["note"] == {"path": "note", "before": f"rotated from {SENSITIVE_MASK}", "after": "rotated"}
    assert "minimum_password_length: 8 -> 14" in outputs["text"]


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("db_password", True),
        ("Password", True),
        ("client_secret", True),
        ("SecretAccessKey", True),
        ("aws_secret_access_key", True),
        ("session_token", True),
        ("SessionToken", True),
        ("private_key", True),
        ("PrivateKey", True),
        ("api_key", True),
        ("credentials", True),
        ("minimum_password_length", False),
        ("require_symbols", False),
        ("password_reuse_prevention", False),
        ("max_password_age", False),
        ("kms_key_id", False),
        ("AccessKeyId", False),
        ("token_ttl", False),
        ("secretsmanager_arn", False),
    ],
)
def test_secret_key_names(key, secret):
    assert is_secret_key(key) is secret


def test_secret_values_are_masked_wherever_they_are():
    assert redact_text(f"key {AWS_SECRET}.") == f"key {SENSITIVE_MASK}."
    assert redact_text("sha1 3f786850e387550fdab836ed7e6dc881de23001b") == (
        "sha1 3f786850e387550fdab836ed7e6dc881de23001b"  # a hex digest is not a secret key
    )
    assert SENSITIVE_MASK in redact_text(PRIVATE_KEY) and "MIIE" not in redact_text(PRIVATE_KEY)
    assert redact({"nested": [{"Password": "x", "Length": 3}]}) == {
        "nested": [{"Password": SENSITIVE_MASK, "Length": 3}]
    }
