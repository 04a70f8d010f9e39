from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from soc2ctl_sandbox.data_seeds import drifted_here
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def certificate(domain: str, days: int) -> dict[str, bytes]:
    """A self-signed EC certificate valid from yesterday for `days` days (EC keys: fast to make)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days)).sign(key, hashes.SHA256())
    )  # fmt: skip
    return {
        "Certificate": cert.public_bytes(serialization.Encoding.PEM),
        "PrivateKey": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    }


def seed(ctx: SeedContext) -> None:
    """compliant: an imported certificate valid for a year; drifted: the same, plus one expiring in 10 days
    in us-east-1; fresh: no certificates. None is in use (moto attaches nothing): the control's
    include_unused parameter makes them count."""
    if ctx.posture == "fresh":
        return
    acm = ctx.client("acm")
    acm.import_certificate(**certificate("www.example.com", 365))
    if drifted_here(ctx):
        acm.import_certificate(**certificate("old.example.com", 10))
