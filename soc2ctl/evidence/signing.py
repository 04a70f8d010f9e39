"""Signatures with a KMS asymmetric key: plans (what was approved) and evidence seals (what was recorded).

Why KMS and not a key file: the private key never leaves KMS, so whoever can write the plan file or the
evidence store still cannot sign; `kms:Sign` is granted to the pipeline alone, and every signature is itself
in CloudTrail. Why the signed message is a short text naming a SHA-256 (and not the document): KMS signs at
most 4 KiB of RAW message, and an auditor can rebuild the text with `sha256sum` and check it with `openssl`
and the public key alone (docs/evidence.md), without AWS credentials and without soc2ctl.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from soc2ctl.errors import UserError

# `cryptography` is imported where a public key is read offline (PublicKeyVerifier, public_key_pem), not
# here: every plan imports this module (saved plans are signed with KMS), and ~8 ms of its start-up was
# loading a library only `evidence verify --public-key` and `evidence public-key` use.

ENV_KEY = "SOC2CTL_SIGN_KEY"
# SHA-256 first: the openssl commands in docs/evidence.md use -sha256.
PREFERRED = (
    "ECDSA_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PSS_SHA_256",
    "ECDSA_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "ECDSA_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_512",
)


class SignatureError(Exception):
    """Signing failed (KMS refused, key unusable): the caller decides whether that stops the run."""


def configured_key(*candidates: str | None) -> str | None:
    """The first key given: command line, then playbook/inventory, then $SOC2CTL_SIGN_KEY."""
    for key in (*candidates, os.environ.get(ENV_KEY)):
        if key and key.strip():
            return key.strip()
    return None


def key_region(key_id: str, default: str) -> str:
    """A key ARN names its region; a key id or alias lives in the caller's home region."""
    parts = key_id.split(":")
    return parts[3] if key_id.startswith("arn:") and len(parts) > 4 and parts[3] else default


def seal_message(seal_sha256: str) -> bytes:
    return f"soc2ctl-seal-v1 {seal_sha256}".encode()


def plan_message(plan_sha256: str) -> bytes:
    return f"soc2ctl-plan-v1 {plan_sha256}".encode()


def _aws_message(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code')}: {err.get('Message')}"
    return str(exc)


@dataclass
class KmsSigner:
    """Signs with one KMS key; the algorithm is the first of PREFERRED the key supports."""

    client: Any
    key_id: str
    algorithm: str | None = None

    def _algorithm(self) -> str:
        if self.algorithm is None:
            try:
                meta = self.client.describe_key(KeyId=self.key_id)["KeyMetadata"]
            except (ClientError, BotoCoreError) as exc:
                raise SignatureError(f"signing key {self.key_id}: {_aws_message(exc)}") from None
            usable = [a for a in PREFERRED if a in (meta.get("SigningAlgorithms") or [])]
            if meta.get("KeyUsage") != "SIGN_VERIFY" or not usable:
                raise SignatureError(
                    f"signing key {self.key_id} is not an asymmetric SIGN_VERIFY key with a SHA-2 algorithm"
                )
            self.algorithm = usable[0]
        return self.algorithm

    def check(self) -> None:
        """Raise SignatureError now if the key cannot sign (missing, symmetric, no access)."""
        self._algorithm()

    def sign(self, message: bytes) -> dict[str, str]:
        algorithm = self._algorithm()
        try:
            out = self.client.sign(
                KeyId=self.key_id, Message=message, MessageType="RAW", SigningAlgorithm=algorithm
            )
        except (ClientError, BotoCoreError) as exc:
            raise SignatureError(f"cannot sign with {self.key_id}: {_aws_message(exc)}") from None
        return {
            "key_id": out["KeyId"],
            "algorithm": algorithm,
            "signature": base64.b64encode(out["Signature"]).decode(),
        }


class Verifier(Protocol):
    key_id: str

    def valid(self, message: bytes, signature: dict[str, Any]) -> bool: ...


def _signature_bytes(signature: dict[str, Any]) -> bytes | None:
    raw = signature.get("signature") if isinstance(signature, dict) else None
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None


@dataclass
class KmsVerifier:
    """Verifies through KMS Verify with the TRUSTED key (configured, never the key a document names)."""

    client: Any
    key_id: str

    def valid(self, message: bytes, signature: dict[str, Any]) -> bool:
        blob = _signature_bytes(signature)
        algorithm = signature.get("algorithm") if isinstance(signature, dict) else None
        if blob is None or algorithm not in PREFERRED:
            return False
        try:
            out = self.client.verify(
                KeyId=self.key_id,
                Message=message,
                MessageType="RAW",
                Signature=blob,
                SigningAlgorithm=algorithm,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in (
                "KMSInvalidSignatureException",
                "ValidationException",
            ):
                return False
            raise UserError(f"cannot verify with {self.key_id}: {_aws_message(exc)}") from None
        except BotoCoreError as exc:
            raise UserError(f"cannot verify with {self.key_id}: {exc}") from None
        return bool(out.get("SignatureValid"))


@dataclass
class PublicKeyVerifier:
    """Offline: the PEM public key (exported once with KMS GetPublicKey), no AWS access needed."""

    public_key: Any
    key_id: str

    @classmethod
    def from_file(cls, path: Path) -> PublicKeyVerifier:
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives import serialization

        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UserError(f"--public-key {path}: {exc.strerror or exc}") from None
        try:
            key = (
                serialization.load_pem_public_key(data)
                if b"-----BEGIN" in data
                else serialization.load_der_public_key(data)
            )
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise UserError(f"--public-key {path}: not a PEM or DER public key ({exc})") from None
        return cls(key, str(path))

    def valid(self, message: bytes, signature: dict[str, Any]) -> bool:
        blob = _signature_bytes(signature)
        algorithm = signature.get("algorithm") if isinstance(signature, dict) else None
        if blob is None or algorithm not in PREFERRED:
            return False
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

        digest = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}[algorithm[-3:]]()
        try:
            if isinstance(self.public_key, ec.EllipticCurvePublicKey) and algorithm.startswith("ECDSA"):
                self.public_key.verify(blob, message, ec.ECDSA(digest))
            elif isinstance(self.public_key, rsa.RSAPublicKey) and algorithm.startswith("RSASSA_PSS"):
                pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=padding.PSS.AUTO)
                self.public_key.verify(blob, message, pss, digest)
            elif isinstance(self.public_key, rsa.RSAPublicKey) and algorithm.startswith("RSASSA_PKCS1"):
                self.public_key.verify(blob, message, padding.PKCS1v15(), digest)
            else:
                return False
        except (InvalidSignature, ValueError):
            return False
        return True


def public_key_pem(client: Any, key_id: str) -> bytes:
    """The key's public half as PEM (what `aws kms get-public-key` + `openssl pkey` produce)."""
    try:
        der = client.get_public_key(KeyId=key_id)["PublicKey"]
    except (ClientError, BotoCoreError) as exc:
        raise UserError(f"cannot read the public key of {key_id}: {_aws_message(exc)}") from None
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_der_public_key(der)
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
