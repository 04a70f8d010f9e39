"""Shipped playbooks and inventories, found the same way from a checkout or an installed wheel.

The wheel carries `playbooks/` and `inventories/` as `soc2ctl/bundled/...`; a checkout has them at the
repository root. A path that does not exist on disk is looked up there by name, so
`soc2ctl plan soc2-baseline -i sandbox` works from anywhere.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # soc2ctl/ (this file is soc2ctl/config/shipped.py)


def _bundled_dirs(kind: str) -> list[Path]:
    return [_PACKAGE_DIR / "bundled" / kind, _PACKAGE_DIR.parent / kind]


def resolve(path: Path, kind: str) -> Path:
    """The file itself if it exists, else the shipped file of that name (with or without `.yml`)."""
    if path.exists():
        return path
    for directory in _bundled_dirs(kind):
        for candidate in (directory / path.name, directory / f"{path.name}.yml"):
            if candidate.is_file():
                return candidate
    return path


def shipped(kind: str) -> list[Path]:
    for directory in _bundled_dirs(kind):
        if directory.is_dir():
            return sorted(directory.glob("*.yml"))
    return []
