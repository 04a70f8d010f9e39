"""Shipped playbooks and inventories, found the same way from a checkout or an installed wheel.

The wheel carries `playbooks/` and `inventories/` as `soc2ctl/bundled/...`; a checkout has them at the
repository root. A bare name (no directory part) that is not a file here is looked up there, so
`soc2ctl plan soc2-baseline -i sandbox` works from anywhere; an explicit path that does not exist is an error,
never silently replaced by a shipped file of the same name.
"""

from __future__ import annotations

import os
from pathlib import Path

from soc2ctl.errors import Problem, UserError

_SINGULAR = {"playbooks": "playbook", "inventories": "inventory"}
_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # soc2ctl/ (this file is soc2ctl/config/shipped.py)


def bundled_dirs(kind: str) -> list[Path]:
    return [_PACKAGE_DIR / "bundled" / kind, _PACKAGE_DIR.parent / kind]


def resolve(path: Path, kind: str) -> Path:
    """The file itself if it exists (of any type: the reader refuses FIFOs and devices without opening
    them), else, for a bare name only, the shipped file of that name (with or without `.yml`)."""
    bare_directory = len(path.parts) == 1 and path.is_dir()  # `-i sandbox` beside the sandbox/ source tree
    if os.path.lexists(path) and not bare_directory:
        return path
    if len(path.parts) == 1 and str(path) not in (".", ".."):
        for directory in bundled_dirs(kind):
            for candidate in (directory / path.name, directory / f"{path.name}.yml"):
                if candidate.is_file():
                    return candidate
    names = ", ".join(p.stem for p in shipped(kind)) or "none"
    raise UserError(
        Problem(
            f"no such {_SINGULAR.get(kind, kind)}; give a path to one, or a shipped name: {names}", str(path)
        )
    )


def shipped(kind: str) -> list[Path]:
    for directory in bundled_dirs(kind):
        if directory.is_dir():
            return sorted(directory.glob("*.yml"))
    return []
