"""A minimal IAM Access Analyzer backend for moto, which has none (see `moto_ext/accessanalyzer.py`).

The files follow moto's own service layout (models, responses, urls) because moto finds a backend's URL map
by module name: `<package>.models` -> `<package>.urls`.
"""

from __future__ import annotations

from .models import accessanalyzer_backends

__all__ = ["accessanalyzer_backends", "apply"]


def apply() -> None:
    """moto_ext imports every module in its package and calls `apply()`: register the service once."""
    from soc2ctl_sandbox.moto_ext.accessanalyzer import apply as register

    register()
