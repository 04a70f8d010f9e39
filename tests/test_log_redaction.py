"""`-vv` never prints a credential: the real CLI, in a subprocess, against a moto server organization.

At `-vv` botocore logs request headers and the XML bodies of AssumeRole responses. The member accounts'
assumed-role credentials (access key id, secret key, session token) are read back from moto's STS backend
after the run, so the test knows exactly which values must not appear.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from moto.sts.models import sts_backends

from soc2ctl.aws import log_redaction
from tests.helpers import create_org

PLAYBOOK = """\
name: redaction
controls:
  - {id: iam-password-policy, remediation: iam-password-policy}
"""
INVENTORY = "organization: {discover: true}\nregions: [us-east-1]\n"
BASE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BASE_TOKEN = "FQoGZXIvYXdzEBYaDexampleBaseSessionTokenValue0123456789"


def _assumed_credentials() -> list[str]:
    found = []
    for account_backends in sts_backends.values():
        for backend in account_backends.values():
            for role in getattr(backend, "assumed_roles", []):
                found += [role.access_key_id, role.secret_access_key, role.session_token]
    return found


def test_vv_stderr_holds_no_credential(server, tmp_path: Path):
    create_org(server.endpoint, ["m1", "m2", "m3"])
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "inv.yml").write_text(INVENTORY)
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_SECRET_ACCESS_KEY": BASE_SECRET,
        "AWS_SESSION_TOKEN": BASE_TOKEN,
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLEBASE00001",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "soc2ctl.cli.main", "-vv", "plan", "pb.yml", "-i", "inv.yml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode in (0, 2), output[-3000:]
    assert "botocore" in proc.stderr and "DEBUG" in proc.stderr  # debug logs were on
    secrets = _assumed_credentials()
    assert len(secrets) >= 9, "every member account was assumed"  # 3 accounts x 3 values
    leaked = [s for s in [*secrets, BASE_SECRET, BASE_TOKEN, "ASIAEXAMPLEBASE00001"] if s in output]
    assert leaked == [], f"{len(leaked)} credential value(s) printed"
    assert log_redaction.MASK in proc.stderr  # it was there to hide


def test_filter_sits_on_every_handler_and_covers_later_records(caplog):
    extra = logging.StreamHandler()
    logging.getLogger().addHandler(extra)
    try:
        log_redaction.install()
        assert any(isinstance(f, log_redaction.RedactingFilter) for f in extra.filters)
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("botocore.parsers").debug(
                "Response body: b'<SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken>'",
                BASE_SECRET,
                BASE_TOKEN,
            )
        assert BASE_SECRET not in caplog.text and BASE_TOKEN not in caplog.text
    finally:
        logging.getLogger().removeHandler(extra)


def test_shapes_and_keyed_values_are_masked():
    line = (
        "{'X-Amz-Security-Token': b'abcDEF123tokenvalue', 'Authorization': b'AWS4-HMAC-SHA256 "
        "Credential=ASIAABCDEFGHIJKLMNOP/20260101/us-east-1/sts/aws4_request'} "
        '"SecretAccessKey": "shortButKeyed"'
    )
    out = log_redaction.redact(line)
    for secret in ("abcDEF123tokenvalue", "ASIAABCDEFGHIJKLMNOP", "shortButKeyed"):
        assert secret not in out
    assert "us-east-1/sts/aws4_request" in out  # the rest stays readable
