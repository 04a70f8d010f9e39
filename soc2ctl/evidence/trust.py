"""What `evidence verify` trusts, chosen outside the store: the signing key and the anchor.

Why not from the store: a signature checked with the key a seal names proves nothing (an attacker names
their own key), and an anchor inside the store is rewritten with it. The trusted key is `--public-key`
(offline: a PEM exported once from KMS), else `--sign-key` / $SOC2CTL_SIGN_KEY (KMS Verify); the anchor is
`--anchor` / $SOC2CTL_EVIDENCE_ANCHOR, else the default under $SOC2CTL_HOME.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session

from soc2ctl.evidence import anchor as anchors
from soc2ctl.evidence.signing import KmsVerifier, PublicKeyVerifier, Verifier, configured_key, key_region
from soc2ctl.evidence.sinks import Sink, open_sink, parse_s3


def _client(service: str, profile: str | None, region: str | None = None) -> Any:
    session = botocore.session.Session(profile=profile)
    region = region or session.get_config_variable("region") or "us-east-1"
    return session.create_client(service, region_name=region)


def kms_client(key_id: str, profile: str | None) -> Any:
    session = botocore.session.Session(profile=profile)
    return _client("kms", profile, key_region(key_id, session.get_config_variable("region") or "us-east-1"))


def verifier(public_key: Path | None, sign_key: str | None, profile: str | None) -> Verifier | None:
    if public_key is not None:
        return PublicKeyVerifier.from_file(public_key)
    key = configured_key(sign_key)
    return KmsVerifier(kms_client(key, profile), key) if key else None


def anchor_sink(store_location: str, override: str | None, profile: str | None) -> Sink:
    """The anchor to compare with; a local anchor that does not exist reads as empty (verify says so)."""
    location = anchors.location_for(store_location, override)
    client = _client("s3", profile) if parse_s3(location) else None
    return open_sink(location, s3_client=client, writing=False)
