"""A saved plan is bound to its approval: signed with KMS, applied only under the approved hash.

The attacker can write the plan file (and re-compute its unkeyed hash) but cannot use the KMS key and does
not choose the hash the reviewer approved. Every tampered or malformed plan is refused with one error line,
never a traceback, and nothing is written (alpha's weak password policy is still there afterwards).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path

import boto3
import jsonschema
import pytest
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.run.plan_binding import body_sha256
from tests.helpers import STRONG_PASSWORD_POLICY, member_client
from tests.test_saved_plan import inventory_yaml

runner = CliRunner()
PLAYBOOK = """\
name: bound plan test
vars: {min_len: 14}
controls:
  - id: iam-password-policy
    remediation: iam-password-policy
    desired: {minimum_password_length: "{{ min_len }}"}
"""
OTHER_PLAYBOOK = """\
name: another playbook
controls:
  - {id: ebs-default-encryption, remediation: ebs-default-encryption}
"""


def signing_key(spec: str = "ECC_NIST_P256") -> str:
    kms = boto3.client("kms", region_name="us-east-1")
    return kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]


@pytest.fixture
def env(org, tmp_path: Path, monkeypatch) -> dict:
    for name, account_id in org.items():
        policy = (
            {**STRONG_PASSWORD_POLICY, "MinimumPasswordLength": 8}
            if name == "alpha"
            else STRONG_PASSWORD_POLICY
        )
        member_client("iam", account_id).update_account_password_policy(**policy)
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "other.yml").write_text(OTHER_PLAYBOOK)
    (tmp_path / "inv.yml").write_text(inventory_yaml(org))
    key = signing_key()
    monkeypatch.setenv("SOC2CTL_SIGN_KEY", key)
    return {"dir": tmp_path, "key": key, "org": org}


def make_plan(env: dict, playbook: str = "pb.yml", name: str = "plan.json", *extra: str) -> tuple[Path, dict]:
    out = env["dir"] / name
    args = ["plan", str(env["dir"] / playbook), "-i", str(env["dir"] / "inv.yml"), "--out", str(out), *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return out, json.loads(out.read_text())


def min_length(env: dict) -> int:
    iam = member_client("iam", env["org"]["alpha"])
    return iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"]


def apply(path: Path, *extra: str):
    return runner.invoke(app, ["apply", str(path), "--approval-ref", "CHG-1", *extra])


def assert_refused(result, env: dict) -> None:
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        result.exception
    )
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors, result.output
    assert min_length(env) == 8  # nothing was written


def rehash(doc: dict) -> dict:
    doc["plan_sha256"] = body_sha256(doc)
    return doc


WEAK: dict = {}  # the tasks and variables of a genuine plan made with -e min_len=6 (set by the fixture)


def weaker(doc: dict) -> dict:
    """The attack that got through: extra_vars and tasks edited together (taken from a genuine plan made
    with a weaker variable, so every consistency check holds), then re-hashed."""
    doc["run"]["extra_vars"] = copy.deepcopy(WEAK["run"]["extra_vars"])
    doc["tasks"] = copy.deepcopy(WEAK["tasks"])
    doc["summary"] = copy.deepcopy(WEAK["summary"])
    return rehash(doc)


@pytest.fixture(autouse=True)
def weak_plan(request):
    if "env" not in request.fixturenames:
        yield
        return
    env = request.getfixturevalue("env")
    _, doc = make_plan(env, "pb.yml", "weak.json", "-e", "min_len=6")
    WEAK.clear()
    WEAK.update(doc)
    assert doc["run"]["extra_vars"] == {"min_len": 6}
    yield
    WEAK.clear()


def test_signed_plan_applies_and_binds_approval_hash_and_key(env):
    path, doc = make_plan(env)
    assert doc["signature"]["key_id"] == env["key"] and doc["plan_sha256"] == body_sha256(doc)
    schema = json.loads((Path(__file__).parent.parent / "docs" / "plan-schema.json").read_text())
    jsonschema.validate(doc, schema)
    result = apply(path, "--plan-sha256", doc["plan_sha256"], "--format", "json")
    assert result.exit_code == 0, result.output
    approval = json.loads(result.stdout)["approval"]
    assert approval["ref"] == "CHG-1" and approval["plan_sha256"] == doc["plan_sha256"]
    assert approval["approved_plan_sha256"] == doc["plan_sha256"] and approval["signed_by"] == env["key"]
    evidence = Path(env["dir"] / "evidence")
    metas = [json.loads(p.read_text()) for p in evidence.glob("runs/*/run.json")]
    recorded = [m["approval"] for m in metas if m["kind"] == "apply"]
    assert recorded == [approval]  # ticket, approved hash and signing key together in evidence
    assert min_length(env) == 14
    verified = runner.invoke(app, ["evidence", "verify", str(evidence)])  # the seals are signed too
    assert verified.exit_code == 0, verified.output
    runs = re.search(r"(\d+) run\(s\).* (\d+) signature\(s\)", verified.output)
    assert runs and int(runs.group(1)) >= 2 and runs.group(1) == runs.group(2), verified.output


def test_rehashed_plan_with_weaker_extra_vars_is_refused_by_signature(env):
    """Failed before: the re-hashed plan applied password length 6 under CHG-1."""
    path, doc = make_plan(env)
    path.write_text(json.dumps(weaker(doc)))
    result = apply(path)
    assert_refused(result, env)
    assert "signature does not verify" in result.output


def test_valid_plan_of_another_playbook_is_refused_by_approved_hash(env):
    """Failed before: a valid plan of another playbook was applied in place of the approved one."""
    _, approved = make_plan(env)
    other_path, _ = make_plan(env, "other.yml", "other.json")
    result = apply(other_path, "--plan-sha256", approved["plan_sha256"])
    assert_refused(result, env)
    assert "not the approved plan" in result.output
    ebs = member_client("ec2", env["org"]["alpha"]).get_ebs_encryption_by_default()
    assert not ebs["EbsEncryptionByDefault"]


def test_unsigned_plan_is_refused_when_a_key_is_configured(env, monkeypatch):
    monkeypatch.delenv("SOC2CTL_SIGN_KEY")
    path, doc = make_plan(env)
    assert "signature" not in doc
    monkeypatch.setenv("SOC2CTL_SIGN_KEY", env["key"])
    result = apply(path)
    assert_refused(result, env)
    assert "not signed" in result.output


def test_key_in_the_playbook_requires_signed_plans(env, monkeypatch):
    monkeypatch.delenv("SOC2CTL_SIGN_KEY")
    (env["dir"] / "pb.yml").write_text(PLAYBOOK + f"signing_key: {env['key']}\n")
    path, doc = make_plan(env)
    assert doc["signature"]["key_id"] == env["key"]
    path.write_text(json.dumps(weaker(doc)))
    assert_refused(apply(path), env)


def _other_key_signature(env: dict) -> Callable[[dict], dict]:
    def mutate(doc: dict) -> dict:
        from soc2ctl.evidence.signing import KmsSigner, plan_message

        doc = weaker(doc)
        kms = boto3.client("kms", region_name="us-east-1")
        doc["signature"] = KmsSigner(kms, signing_key("RSA_2048")).sign(plan_message(doc["plan_sha256"]))
        return doc

    return mutate


def _set(path: str, value) -> Callable[[dict], dict]:
    def mutate(doc: dict) -> dict:
        target = doc
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
        return doc

    return mutate


def _drop(key: str) -> Callable[[dict], dict]:
    return lambda doc: {k: v for k, v in doc.items() if k != key}


def _then_rehash(fn: Callable[[dict], dict]) -> Callable[[dict], dict]:
    return lambda doc: rehash(fn(doc))


DOC_TAMPERS: dict[str, Callable[[dict], dict]] = {
    "weaker extra_vars+tasks re-hashed": weaker,
    "weaker, signature dropped": lambda d: _drop("signature")(weaker(d)),
    "signature garbage": _set("signature.signature", "!!not base64!!"),
    "signature empty": _set("signature.signature", ""),
    "signature algorithm swapped": _set("signature.algorithm", "RSASSA_PSS_SHA_512"),
    "signature is a string": _set("signature", "MEUCIQ=="),
    "signature has extra field": _set("signature.note", "x"),
    "fingerprint edited": _set("tasks.0.fingerprint", "sha256:" + "0" * 64),
    "fingerprint edited re-hashed": _then_rehash(_set("tasks.0.fingerprint", "sha256:" + "0" * 64)),
    "tasks emptied re-hashed": _then_rehash(_set("tasks", [])),
    "task duplicated": lambda d: rehash({**d, "tasks": d["tasks"] + d["tasks"][:1]}),
    "playbook path swapped re-hashed": _then_rehash(_set("run.playbook_path", "/etc/passwd")),
    "inventory path swapped re-hashed": _then_rehash(_set("run.inventory_path", "/nonexistent.yml")),
    "limit widened re-hashed": _then_rehash(_set("run.limit", "alpha")),
    "controls changed re-hashed": _then_rehash(_set("run.controls", ["ebs-default-encryption"])),
    "redacted vars added re-hashed": _then_rehash(_set("run.redacted_vars", ["min_len"])),
    "NUL in playbook path re-hashed": _then_rehash(_set("run.playbook_path", "/tmp/\x00pb.yml")),
    "format_version as string": _set("format_version", "1"),
    "format_version 2": _set("format_version", 2),
    "format_version a list": _set("format_version", [1] * 5),
    "tasks a dict": _set("tasks", {}),
    "tasks of ints": _set("tasks", [1, 2]),
    "changes a string": _set("tasks.0.changes", "all"),
    "task key null": _set("tasks.0.key", None),
    "run a list": _set("run", []),
    "run null": _set("run", None),
    "playbook a string": _set("playbook", "pb.yml"),
    "playbook sha256 an int": _set("playbook.sha256", 5),
    "extra_vars a string": _set("run.extra_vars", "min_len=6"),
    "plan_sha256 removed": _drop("plan_sha256"),
    "plan_sha256 an int": _set("plan_sha256", 5),
    "tool_version changed re-hashed": _then_rehash(_set("tool_version", "0.0.1")),
    "interrupted as string": _set("interrupted", "no"),
    "interrupted re-hashed": _then_rehash(_set("interrupted", True)),
}
RAW_TAMPERS: dict[str, Callable[[str], str | bytes]] = {
    "truncated JSON": lambda text: text[: len(text) // 2],
    "binary garbage": lambda text: b"{\xff\xfe\x00garbage",
    "empty file": lambda text: "",
    "top-level array": lambda text: "[" + text + "]",
    "deeply nested": lambda text: '{"format_version": 1, "tasks": ' + "[" * 100000 + "]" * 100000 + "}",
    "huge integer": lambda text: text.replace('"format_version": 1', '"format_version": ' + "9" * 5000, 1),
}


@pytest.fixture
def approved(env) -> tuple[Path, dict]:
    return make_plan(env)


@pytest.mark.parametrize("name", sorted(DOC_TAMPERS))
def test_tampered_plan_is_refused_with_one_line(env, approved, name):
    path, doc = approved
    path.write_text(json.dumps(DOC_TAMPERS[name](copy.deepcopy(doc))))
    assert_refused(apply(path, "--plan-sha256", doc["plan_sha256"]), env)
    assert_refused(apply(path), env)  # the signature alone refuses it too (or its shape does)


@pytest.mark.parametrize("name", sorted(RAW_TAMPERS))
def test_malformed_plan_file_is_refused_with_one_line(env, approved, name):
    path, doc = approved
    data = RAW_TAMPERS[name](path.read_text())
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    assert_refused(apply(path, "--plan-sha256", doc["plan_sha256"]), env)


def test_another_accounts_key_signature_is_refused(env, approved):
    path, doc = approved
    path.write_text(json.dumps(_other_key_signature(env)(copy.deepcopy(doc))))
    result = apply(path)
    assert_refused(result, env)
    assert "signature does not verify" in result.output


def test_bad_approved_hash_is_a_usage_error(env, approved):
    path, _ = approved
    assert_refused(apply(path, "--plan-sha256", "not-a-hash"), env)
