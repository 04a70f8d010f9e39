"""Where soc2ctl keeps its own files on this machine: one home directory, `$SOC2CTL_HOME` or `~/.soc2ctl`.

The core owns these paths, whether or not the sandbox is installed; the sandbox gets its directory from here.
(The local apply locks are machine-wide, not per home: soc2ctl/run/lock.py.)
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    return Path(os.environ.get("SOC2CTL_HOME") or Path.home() / ".soc2ctl")


def sandbox_dir() -> Path:
    """The sandbox organization's server lock, state file and log."""
    return home() / "sandbox"
