"""Finds remediation modules: the built-in `remediations` package, plus plugins via entry points.

Explicit and boring on purpose: each file in `remediations/` defines one `Remediation` subclass; the registry
imports the files and keys the classes by their `name`. No metaclasses, no import side effects to learn.
A third-party package can add modules under the `soc2ctl.remediations` entry-point group.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache
from importlib.metadata import entry_points
from types import ModuleType

import remediations
from soc2ctl.remediation import Remediation


def _classes_in(module: ModuleType) -> list[type[Remediation]]:
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Remediation) and obj is not Remediation and obj.__module__ == module.__name__
    ]


@cache
def registry() -> dict[str, Remediation]:
    found: dict[str, Remediation] = {}
    modules = [
        importlib.import_module(f"remediations.{info.name}")
        for info in pkgutil.iter_modules(remediations.__path__)
        if not info.name.startswith("_")
    ]
    modules += [ep.load() for ep in entry_points(group="soc2ctl.remediations")]
    for module in modules:
        for cls in _classes_in(module):
            if cls.name in found:
                raise RuntimeError(f"two remediation modules are named {cls.name!r}")
            found[cls.name] = cls()
    return dict(sorted(found.items()))


def get(name: str) -> Remediation | None:
    return registry().get(name)


@cache
def declared_actions() -> frozenset[str]:
    """Every IAM action any registered module reads or writes: what a guardrail must never deny soc2ctl."""
    return frozenset(a for m in registry().values() for a in (*m.read_actions, *m.write_actions))
