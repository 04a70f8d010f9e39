"""Certificates are measured against the threshold; unused ones count only when asked (Prowler's default)."""

from datetime import UTC, datetime, timedelta

from remediations.acm_certificate_expiry import AcmCertificateExpiry
from soc2ctl_sandbox.seeds.acm_certificate_expiry import certificate
from tests.helpers import ModuleRun, member_client

MODULE = "acm-certificate-expiry"


def test_threshold_and_unused(org, monkeypatch):
    acm = member_client("acm", org["alpha"])
    soon = acm.import_certificate(**certificate("soon.example.com", 20))["CertificateArn"]
    later = acm.import_certificate(**certificate("later.example.com", 200))["CertificateArn"]
    assert ModuleRun(MODULE, {}, org["alpha"]).plan().action == "no-op"  # neither is in use
    planned = ModuleRun(MODULE, {"include_unused": True}, org["alpha"]).plan()
    assert planned.action == "detect"
    assert [c.path for c in planned.changes] == [f"[{soon}].expires_after_threshold"]
    assert (
        ModuleRun(MODULE, {"include_unused": True, "min_days_left": 14}, org["alpha"]).plan().action
        == "no-op"
    )
    monkeypatch.setattr(
        AcmCertificateExpiry, "clock", staticmethod(lambda: datetime.now(UTC) + timedelta(days=190))
    )
    late = ModuleRun(MODULE, {"include_unused": True}, org["alpha"]).plan()
    assert {c.path for c in late.changes} == {
        f"[{soon}].expires_after_threshold",
        f"[{later}].expires_after_threshold",
    }
