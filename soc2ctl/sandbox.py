"""soc2ctl's side of the sandbox organization: the one place the product reaches `soc2ctl-sandbox`.

The sandbox (a moto server, its moto extensions and seeds) is a separate distribution, installed by the
`sandbox` extra; the product holds no moto code. This module imports it on demand, hands it its directory
under soc2ctl's home, and turns its failures into one-line user errors. Without the extra, every sandbox
entry point says how to install it instead of failing with an ImportError.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from soc2ctl import paths
from soc2ctl.errors import Problem, UserError

INSTALL_HINT = "the sandbox organization is not installed: pip install 'soc2ctl[sandbox]'"


def sandbox() -> Any:
    """The sandbox of this home directory (a `soc2ctl_sandbox.Sandbox`)."""
    try:
        from soc2ctl_sandbox import Sandbox
    except ImportError as exc:
        if (exc.name or "").split(".")[0] != "soc2ctl_sandbox":
            raise
        raise UserError(INSTALL_HINT) from None
    return Sandbox(paths.sandbox_dir())


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """A SandboxError (e.g. start-up failed: what, then the server's last log lines) as a UserError."""
    try:
        yield
    except UserError:
        raise
    except Exception as exc:
        if type(exc).__name__ != "SandboxError" or not type(exc).__module__.startswith("soc2ctl_sandbox"):
            raise
        raise UserError([Problem(line) for line in exc.lines]) from None  # type: ignore[attr-defined]


def ensure_running() -> dict[str, Any]:
    """The running sandbox's state (endpoint, accounts); starts it on first use."""
    box = sandbox()
    with user_errors():
        return box.ensure_running()
