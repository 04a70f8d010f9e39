"""How many files does `soc2ctl plan` pass on its way from the CLI down to a module's `read()`?

Runs the real `soc2ctl plan` command in-process (typer's runner) against in-process moto with a one-account
organization and a one-control playbook, with a profiler on every thread. When the module's `read()` is
entered it records the stack of soc2ctl/remediations frames (the main thread's, down to where the executor
hands the task to a worker, then the worker's), collapses consecutive frames of one file, and prints the
chain and how often each file occurs in it: "each file at most once on the way down" means every count is 1.

    python benchmarks/plan_path.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
)
OURS = (str(ROOT / "soc2ctl"), str(ROOT / "remediations"))
PLAYBOOK = """\
name: one control
hosts: all
controls:
  - id: iam-password-policy
    remediation: iam-password-policy
    desired: {}
"""
INVENTORY = """\
organization:
  discover: true
  include_management: false
regions: [us-east-1]
home_region: us-east-1
"""


def our_frames(frame: Any) -> list[str]:
    chain = []
    while frame is not None:
        if frame.f_code.co_filename.startswith(OURS):
            chain.append(frame.f_code.co_filename)
        frame = frame.f_back
    return list(reversed(chain))


def main() -> None:
    from moto import mock_aws
    from typer.testing import CliRunner

    from soc2ctl.cli.main import app
    from soc2ctl_sandbox import moto_ext
    from soc2ctl_sandbox.seed import SandboxAccount, create_organization

    moto_ext.apply()
    captured: dict[str, list[str]] = {}

    def profiler(frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            return
        code = frame.f_code
        caller = frame.f_back
        if code.co_name == "submit" and caller is not None and "main" not in captured:
            captured.update(
                {"main": our_frames(caller)}
                if caller.f_code.co_filename.endswith("engine/executor.py")
                else {}
            )
        if code.co_name == "read" and code.co_filename.startswith(OURS[1]) and "worker" not in captured:
            captured["worker"] = our_frames(frame)

    with tempfile.TemporaryDirectory() as tmp, mock_aws():
        create_organization(None, (SandboxAccount("alpha", "Workloads", {}, "fresh"),))  # type: ignore[arg-type]
        (Path(tmp) / "pb.yml").write_text(PLAYBOOK)
        (Path(tmp) / "inv.yml").write_text(INVENTORY)
        os.environ["SOC2CTL_HOME"] = str(Path(tmp) / "home")
        os.environ["SOC2CTL_EVIDENCE"] = str(Path(tmp) / "evidence")
        args = ["plan", str(Path(tmp) / "pb.yml"), "-i", str(Path(tmp) / "inv.yml"), "-p", "1"]
        sys.setprofile(profiler)
        threading.setprofile(profiler)
        try:
            result = CliRunner().invoke(app, args)
        finally:
            sys.setprofile(None)
            threading.setprofile(None)  # type: ignore[arg-type]
    if result.exit_code != 0 or "worker" not in captured:
        raise SystemExit(f"plan failed ({result.exit_code}): {result.output[-2000:]}")
    frames = captured.get("main", []) + captured["worker"]
    chain = [f for i, f in enumerate(frames) if i == 0 or f != frames[i - 1]]
    counts = Counter(chain)
    print("way down, CLI to read() (consecutive frames of one file collapsed):")
    for path in chain:
        print(f"  {Path(path).relative_to(ROOT)}")
    print(
        f"files on the way down: {len(counts)}; entries: {len(chain)}; most entries of one file: "
        f"{max(counts.values())}"
    )
    revisited = {str(Path(p).relative_to(ROOT)): n for p, n in counts.items() if n > 1}
    print(f"files entered more than once: {revisited or 'none'}")


if __name__ == "__main__":
    main()
