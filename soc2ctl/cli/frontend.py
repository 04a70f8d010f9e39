"""How a run shows itself on a terminal: the run service's `Frontend`, for the chosen `--format`.

Machine output (JSON) goes to stdout and nothing else does in JSON mode; progress, prompts, notes and the
evidence seal go to stderr, so `soc2ctl plan --format json | jq` always works.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from soc2ctl.cli.common import MARKDOWN_MAX_CHARS, emit_plan
from soc2ctl.cli.ui import Ui

if TYPE_CHECKING:
    from soc2ctl.run.builder import Run
    from soc2ctl.run.frontend import RunReport


class CliFrontend:
    def __init__(
        self, ui: Ui, fmt: str, *, compact: bool = False, max_chars: int = MARKDOWN_MAX_CHARS
    ) -> None:
        self.ui, self.fmt, self.compact, self.max_chars = ui, fmt, compact, max_chars

    def started(self, run: Run) -> None:
        from soc2ctl.render.progress import TerminalProgress

        TerminalProgress.attach(run.executor, f"{len(run.tasks)} tasks", quiet=self.ui.quiet)

    def planned(self, doc: dict[str, Any]) -> None:
        if self.fmt == "text":
            from soc2ctl.render.text import render_plan

            render_plan(doc, self.ui.out())

    def approve(self) -> bool:
        return typer.confirm("Apply these changes?", err=True)

    def say(self, text: str) -> None:
        if self.fmt == "text":
            self.ui.say(text)

    def note(self, text: str) -> None:
        self.ui.note(text)

    def report(self, report: RunReport) -> None:
        if report.kind == "plan":
            emit_plan(
                self.ui,
                report.doc,
                self.fmt,
                compact=self.compact,
                max_chars=self.max_chars,
                source=report.saved,
            )
        elif report.kind == "drift":
            typer.echo(json.dumps(report.doc, indent=2, default=str))
        elif self.fmt == "json":
            out = {"run_id": report.run_id, "plan": report.doc, "results": report.results}
            typer.echo(
                json.dumps(
                    out | ({"approval": report.approval} if report.approval is not None else {}),
                    indent=2,
                    default=str,
                )
            )
        elif report.stopped:
            self.ui.say("Nothing to apply.")
        else:
            from soc2ctl.render.text import render_approval, render_recap

            render_recap(report.results or [], self.ui.out())
            render_approval(report.approval or {}, self.ui.out())
