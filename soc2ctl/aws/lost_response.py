"""Errors after which a request may have reached AWS although no answer came back (a create may exist).

Its own light module (botocore.exceptions only) so remediation helpers can name it without loading the
retry machinery, which `soc2ctl controls` must not import (tests/test_startup.py).
"""

from __future__ import annotations

from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

LOST_RESPONSE = (ReadTimeoutError, ConnectionClosedError)
