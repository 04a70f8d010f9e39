"""The saved plan as an untrusted file: its shape, its signature, and the hash the reviewer approved.

Why a module of its own (next to saved_plan, which proves a plan *current*): this one proves a plan
*authentic*. `plan_sha256` alone is an unkeyed digest: whoever can edit the file can re-hash it. Two things
bind a plan to its approval: a KMS signature over the hash (the private key never leaves KMS), and
`apply --plan-sha256 HASH` with the hash the reviewer saw (so a different, validly signed plan, say of
another playbook, is refused too). The hash covers every field except itself and the signature: the
tasks, the run section (playbook and inventory paths, limit, controls, extra_vars) and the source hashes.
Every malformed file is one line naming the field, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr, ValidationError

from soc2ctl.errors import Problem, UserError
from soc2ctl.evidence.signing import (
    KmsSigner,
    KmsVerifier,
    SignatureError,
    Verifier,
    configured_key,
    key_region,
    plan_message,
)

if TYPE_CHECKING:
    from soc2ctl.run.builder import Run

UNHASHED = ("plan_sha256", "signature")
HASH_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Source(_Loose):
    path: StrictStr
    sha256: StrictStr


class _RunSection(_Loose):
    playbook_name: StrictStr | None = None
    playbook_path: StrictStr
    inventory_path: StrictStr
    playbook_paths: list[StrictStr] | None = None  # several playbooks (soc2ctl.config.playbook_imports)
    playbooks: list[_Source] | None = None  # every file read, imports too, with its hash
    import_roots: list[StrictStr] | None = None
    limit: StrictStr | None = None
    controls: list[StrictStr] | None = None
    extra_vars: dict[str, Any] = {}
    redacted_vars: list[StrictStr] = []


class _Change(_Loose):
    path: StrictStr


class _Task(_Loose):
    key: StrictStr
    account_name: StrictStr
    action: StrictStr
    changes: list[_Change]
    fingerprint: StrictStr | None
    error: StrictStr | None = None


class _Signature(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key_id: StrictStr
    algorithm: StrictStr
    signature: StrictStr


class PlanShape(_Loose):
    """The fields apply reads, with their types; anything else a plan holds is hashed but not read."""

    format_version: StrictInt
    tool_version: StrictStr
    run_id: StrictStr
    playbook: _Source
    inventory: _Source
    run: _RunSection
    interrupted: StrictBool = False
    summary: dict[str, Any]
    tasks: list[_Task]
    plan_sha256: StrictStr
    signature: _Signature | None = None


def check_shape(doc: dict[str, Any], path: Path) -> None:
    """Refuse a plan whose fields are missing or of the wrong type, naming the first such field."""
    try:
        PlanShape.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise UserError(Problem(f"not a valid soc2ctl plan: {where}: {err['msg']}", str(path))) from None
    if len({t["key"] for t in doc["tasks"]}) != len(doc["tasks"]):
        raise UserError(Problem("not a valid soc2ctl plan: tasks: a task key appears twice", str(path)))


def body_sha256(doc: dict[str, Any]) -> str:
    """SHA-256 of the plan without its hash and signature (sorted keys, no whitespace, UTF-8): the same
    digest `plan` writes into `plan_sha256`."""
    body = {k: v for k, v in doc.items() if k not in UNHASHED}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def normalize_hash(value: str) -> str:
    """`sha256:<hex>` or bare hex, any case -> `sha256:<hex>`; anything else is a usage error."""
    text = value.strip().lower()
    text = text if text.startswith("sha256:") else "sha256:" + text
    if not HASH_RE.match(text):
        raise UserError(
            f"--plan-sha256 {value!r}: expected sha256:<64 hex digits> (the hash the plan printed)"
        )
    return text


def sign(doc: dict[str, Any], signer: Any) -> dict[str, Any]:
    """Add the KMS signature over the plan's hash (computed afresh, never taken from the document)."""
    doc["plan_sha256"] = body_sha256(doc)
    try:
        doc["signature"] = signer.sign(plan_message(doc["plan_sha256"]))
    except SignatureError as exc:
        raise UserError(f"plan --sign-key: {exc}; the plan was not saved") from None
    return doc


def check_signature(doc: dict[str, Any], path: Path, verifier: Verifier | None) -> str | None:
    """With a trusted key configured, the plan must carry a signature that key made over this content.
    Returns the key that verified it (for the approval record), or None when no key is configured."""
    if verifier is None:
        return None
    where = str(path)
    signature = doc.get("signature")
    if signature is None:
        raise UserError(
            Problem(f"the plan is not signed, and plans must be signed with {verifier.key_id}", where)
        )
    if not verifier.valid(plan_message(body_sha256(doc)), signature):
        raise UserError(
            Problem(
                f"the plan's signature does not verify with {verifier.key_id} (edited after signing, "
                "or signed with another key); nothing was applied",
                where,
            )
        )
    return verifier.key_id


def check_approved(doc: dict[str, Any], path: Path, approved: str | None) -> None:
    """`--plan-sha256`: the plan must be exactly the one the reviewer approved."""
    if approved is None:
        return
    want = normalize_hash(approved)
    have = body_sha256(doc)
    if have != want:
        raise UserError(
            Problem(
                f"this is not the approved plan: its content hashes to {have}, the approval names {want}; "
                "nothing was applied",
                str(path),
            )
        )


# ---------------------------------------------------------------- keys from the run's configuration


def _kms(run: Run, key: str) -> Any:
    region = key_region(key, run.inventory.home_region)
    return run.sessions.client(run.sessions.caller_account, region, "kms")


def run_key(run: Run, override: str | None) -> str | None:
    """The signing key: `--sign-key`, else the playbook's or inventory's `signing_key`, else the env."""
    return configured_key(override, run.playbook.spec.signing_key, run.inventory.spec.signing_key)


def signer(run: Run, key: str) -> KmsSigner:
    return KmsSigner(_kms(run, key), key)


def authenticate(
    doc: dict[str, Any], path: Path, run: Run, sign_key: str | None, approved: str | None
) -> dict:
    """Before any write: the approved hash, then the signature with the configured key. Returns what the
    approval record adds: the approved hash and the verifying key."""
    check_approved(doc, path, approved)
    key = run_key(run, sign_key)
    verified = check_signature(doc, path, KmsVerifier(_kms(run, key), key) if key else None)
    return {
        "approved_plan_sha256": normalize_hash(approved) if approved else None,
        "signed_by": verified,
    }
