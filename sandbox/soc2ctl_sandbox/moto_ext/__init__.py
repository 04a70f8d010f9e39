"""Fills in AWS APIs that moto lacks or gets wrong, so the sandbox and the tests exercise the real modules.

Each file here patches moto only (its response classes, backends and URL maps), never soc2ctl's own
modules, and exposes `apply()`. They are applied in the sandbox server process and in the test suite
(in-process moto and a ThreadedMotoServer in the same process). Every gap is listed in docs/moto-gaps.md.
"""

from __future__ import annotations

import importlib
import pkgutil

_applied = False


def apply() -> None:
    """Idempotently install every extension in this package."""
    global _applied
    if _applied:
        return
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        importlib.import_module(f"{__name__}.{info.name}").apply()
    _applied = True
