"""GuardDuty CreateDetector honours its ClientToken (moto 5.2 ignores it and makes a second detector).

In AWS a create re-sent with the same ClientToken (after a lost response) returns the detector the first
one made; soc2ctl relies on that (remediations/guardduty_detector.py), and tests/test_faults.py checks it.
"""

from __future__ import annotations

import json
from typing import Any


def apply() -> None:
    from moto.guardduty.responses import GuardDutyResponse

    original = GuardDutyResponse.create_detector

    def create_detector(self: Any) -> str:
        token = self._get_param("clientToken")
        tokens = self.guardduty_backend.__dict__.setdefault("detector_client_tokens", {})
        known = tokens.get(token) if token else None
        if known is not None and known in self.guardduty_backend.detectors:
            return json.dumps({"detectorId": known})
        body = original(self)
        if token:
            tokens[token] = json.loads(body)["detectorId"]
        return body

    GuardDutyResponse.create_detector = create_detector
