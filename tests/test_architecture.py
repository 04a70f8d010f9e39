"""The shape of the code: the import contracts of pyproject.toml hold, and no file grows past 400 lines."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400


def test_import_contracts_hold():
    """Layers, the module API and no cycles (see [tool.importlinter] in pyproject.toml)."""
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_file_over_400_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for folder in ("soc2ctl", "remediations")
        for path in (ROOT / folder).rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
