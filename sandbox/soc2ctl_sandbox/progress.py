"""What a command shows while it waits for the sandbox to start.

On a terminal: one line, rewritten in place, with the seeding step (a slow machine shows that it is moving,
not hung). Elsewhere (CI logs, pipes): one line when the wait starts and one when it ends, no escape codes.
"""

from __future__ import annotations

import time
from typing import Any, TextIO


class StartProgress:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self.shown = False

    def show(self, state: dict[str, Any]) -> None:
        if self.tty:
            self._write(f"\r\x1b[K{self._line(state)}")
        elif not self.shown:
            self._write("Starting the sandbox organization (a local moto server)...\n")
        self.shown = True

    def finish(self, state: dict[str, Any]) -> None:
        if not self.shown:
            return  # it was already running: nothing to say
        elapsed = time.monotonic() - self.started
        prefix = "\r\x1b[K" if self.tty else ""
        self._write(
            f"{prefix}Sandbox organization ready in {elapsed:.1f} s "
            f"(seeded in {state.get('seed_seconds', '?')} s) at {state.get('endpoint')}\n"
        )

    def abandon(self) -> None:
        if self.tty and self.shown:
            self._write("\n")

    def _line(self, state: dict[str, Any]) -> str:
        elapsed = time.monotonic() - self.started
        phase = state.get("phase")
        if phase == "seeding":
            done, total = state.get("done", 0), state.get("total") or 1
            what = f"seeding {state.get('step')} ({done}/{total} accounts)"
        elif phase == "ready":
            what = "checking that it answers"
        else:
            what = "starting the server process"
        return f"Starting the sandbox organization: {what}, {elapsed:.0f} s"

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
