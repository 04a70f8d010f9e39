"""IAM Access Analyzer: not in moto at all (5.2); a minimal service is registered here.

The backend (`_accessanalyzer/`: models, responses, urls, shaped like a moto service) implements ListAnalyzers,
CreateAnalyzer, GetAnalyzer and DeleteAnalyzer. moto routes a request to a service in two ways, and both must
find it:
- in-process (`mock_aws`) and for the server's host-based routing, by matching the URL against
  `moto.backend_index.backend_url_patterns` (`access-analyzer.<region>.amazonaws.com`);
- a server reached through a custom endpoint (AWS_ENDPOINT_URL) infers the host from the SigV4 signing
  name, `access-analyzer`, which gives the same host and so the same pattern.
The service name then goes to `moto.backends.get_backend("accessanalyzer")`, which imports
`moto.accessanalyzer` and reads its `accessanalyzer_backends`: the package is registered under that module
name. Backends are `BackendDict`s, so `mock_aws` and `/moto-api/reset` clear them like any other service.
"""

from __future__ import annotations

import re
import sys

SERVICE = "accessanalyzer"
_PATTERN = re.compile(r"https?://access-analyzer\.(.+)\.amazonaws\.com")


def apply() -> None:
    import moto.backend_index as backend_index

    from soc2ctl_sandbox.moto_ext import _accessanalyzer

    sys.modules.setdefault(f"moto.{SERVICE}", _accessanalyzer)
    if all(name != SERVICE for name, _ in backend_index.backend_url_patterns):
        backend_index.backend_url_patterns.append((SERVICE, _PATTERN))
