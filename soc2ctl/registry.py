"""Finds remediation modules: the built-in `remediations` package, plus plugins via entry points.

Explicit and boring on purpose: each file in `remediations/` defines one `Remediation` subclass; the registry
imports the files and keys the classes by their `name`. No metaclasses, no import side effects to learn.
A third-party package can add modules under the `soc2ctl.remediations` entry-point group.

A run looks modules up by name (`get`), and a built-in module named `x-y` lives in `remediations/x_y.py`
(tests/test_registry.py holds every built-in to it), so until something needs them all (the catalog, the
actions every module declares, an unknown name, a plugin installed) only the named files are imported: a run
of four controls imports four modules, not sixty (60 ms of CPU at every start of `soc2ctl plan`).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import threading
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

import remediations
from soc2ctl.remediation import Remediation

_lock = threading.RLock()  # one import of everything, however many threads ask at once


def _classes_in(module: ModuleType) -> list[type[Remediation]]:
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Remediation) and obj is not Remediation and obj.__module__ == module.__name__
    ]


@cache
def _instance(cls: type[Remediation]) -> Remediation:
    """One instance per class, whether it was found by name or with every other module."""
    return cls()


def registry() -> dict[str, Remediation]:
    with _lock:
        return _everything()


@cache
def _everything() -> dict[str, Remediation]:
    found: dict[str, Remediation] = {}
    modules = [
        importlib.import_module(f"remediations.{info.name}")
        for info in pkgutil.iter_modules(remediations.__path__)
        if not info.name.startswith("_")
    ]
    modules += [ep.load() for ep in _plugins()]
    for module in modules:
        for cls in _classes_in(module):
            if cls.name in found:
                raise RuntimeError(f"two remediation modules are named {cls.name!r}")
            found[cls.name] = _instance(cls)
    return dict(sorted(found.items()))


def get(name: str) -> Remediation | None:
    with _lock:
        if _everything.cache_info().currsize or _plugins():  # a plugin may clash with a built-in's name
            return _everything().get(name)
        return _builtin(name) or _everything().get(name)


@cache
def _plugins() -> tuple[EntryPoint, ...]:
    return tuple(entry_points(group="soc2ctl.remediations"))


def _builtin(name: str) -> Remediation | None:
    """The built-in module `name` from its own file, or None (not a built-in: ask the whole registry)."""
    file = name.replace("-", "_")
    if not file.isidentifier() or file.startswith("_"):
        return None
    spec = importlib.util.find_spec(f"remediations.{file}")
    if spec is None or not spec.origin or not spec.origin.startswith(tuple(remediations.__path__)):
        return None
    found = [cls for cls in _classes_in(importlib.import_module(spec.name)) if cls.name == name]
    return _instance(found[0]) if found else None


@cache
def declared_actions() -> frozenset[str]:
    """Every IAM action any registered module reads or writes: what a guardrail must never deny soc2ctl."""
    return frozenset(a for m in registry().values() for a in (*m.read_actions, *m.write_actions))
