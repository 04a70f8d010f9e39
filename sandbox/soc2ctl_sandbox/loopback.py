"""s3control on a loopback endpoint, for the seeds that reach a moto server over HTTP.

botocore puts the account id in front of the s3control host (`<account>.127.0.0.1`), which does not resolve.
soc2ctl's sessions have the same handler; the sandbox keeps its own copy so that it depends on no module
inside soc2ctl's engine (only on the `remediations` constants its seeds mirror).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

_LOOPBACK_PREFIXED = re.compile(r"^\d{12}\.(127\.\d+\.\d+\.\d+|localhost|localstack|\[::1\])$")


def strip_loopback_account_prefix(request: Any, **_: Any) -> None:
    parts = urlsplit(request.url)
    if _LOOPBACK_PREFIXED.match(parts.hostname or ""):
        request.url = urlunsplit(parts._replace(netloc=parts.netloc.split(".", 1)[1]))
