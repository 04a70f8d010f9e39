"""ACM certificates are renewed or replaced well before they expire (detect only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import Field

from remediations._aws import paginate
from soc2ctl.remediation import Params, Remediation, Scope, TaskContext

# ListCertificates returns RSA-2048 certificates only unless asked for every key type.
KEY_TYPES = (
    "RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096",
    "EC_prime256v1", "EC_secp384r1", "EC_secp521r1",
)  # fmt: skip
CHECKED = ("ISSUED", "EXPIRED")  # pending, failed and revoked certificates serve nothing


def utcnow() -> datetime:
    return datetime.now(UTC)


class AcmCertificateExpiryParams(Params):
    min_days_left: int = Field(
        default=30, ge=1, le=825, description="A certificate expiring sooner is reported."
    )
    include_unused: bool = Field(
        default=False, description="Also report certificates no resource uses (Prowler's default skips them)."
    )


class AcmCertificateExpiry(Remediation[AcmCertificateExpiryParams]):
    """No ACM certificate in use expires within the threshold (default 30 days)."""

    name = "acm-certificate-expiry"
    scope = Scope.REGION
    risk = "low"  # detect only: nothing is written
    criteria = ("CC6.7", "A1.1")
    prowler_checks = ("acm_certificates_expiration_check",)
    config_rules = ("acm-certificate-expiration-check",)
    securityhub_controls = ("ACM.1",)
    read_actions = ("acm:ListCertificates",)
    detect_only = True
    human_step = (
        "Renew or replace each listed certificate: for an imported one, import the renewed certificate into the "
        "same ARN; for an Amazon-issued one, fix its domain validation (DNS record) so ACM can renew it."
    )
    clock: ClassVar[Callable[[], datetime]] = staticmethod(utcnow)  # injectable for tests

    def read(self, ctx: TaskContext, params: AcmCertificateExpiryParams) -> dict[str, Any]:
        acm = ctx.client("acm")
        deadline = type(self).clock() + timedelta(days=params.min_days_left)
        found = {}
        for cert in paginate(
            acm, "list_certificates", "CertificateSummaryList",
            CertificateStatuses=list(CHECKED), Includes={"keyTypes": list(KEY_TYPES)},
        ):  # fmt: skip
            if not (cert.get("InUse") or params.include_unused):
                continue
            not_after: datetime = cert["NotAfter"]
            found[cert["CertificateArn"]] = {
                "domain": cert.get("DomainName"),
                "not_after": not_after.isoformat(),
                "expires_after_threshold": not_after > deadline,
            }
        return found

    def desired(self, ctx: TaskContext, params: AcmCertificateExpiryParams, observed: Any) -> dict[str, Any]:
        return {arn: {"expires_after_threshold": True} for arn in observed}
