"""Imports that happen when a command runs, not when `soc2ctl` starts.

`soc2ctl --help`, `--version` and `controls` must start fast (tests/test_startup.py), so the CLI modules do
not import the engine, boto3 or rich at import time. `lazy("pkg.mod")` stands for `import pkg.mod`, and
`lazy("pkg.mod", "name")` for `from pkg.mod import name`: the import happens on first attribute access or
call. Not for exception classes (`except` needs the class itself) or for values used as parameter defaults.
"""

from __future__ import annotations

import importlib
from typing import Any


class _Lazy:
    __slots__ = ("_module", "_name", "_target")

    def __init__(self, module: str, name: str | None) -> None:
        self._module, self._name, self._target = module, name, None

    def _load(self) -> Any:
        if self._target is None:
            module = importlib.import_module(self._module)
            self._target = module if self._name is None else getattr(module, self._name)
        return self._target

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._load()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<lazy {self._module}{'.' + self._name if self._name else ''}>"


def lazy(module: str, name: str | None = None) -> Any:
    return _Lazy(module, name)
