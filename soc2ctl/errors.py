"""Errors a user can act on.

Every error the CLI prints without a traceback is a `UserError`: it names the file and line, or the account,
and says what to do next. Anything else escaping to the CLI is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.file and self.line:
            where = f"{self.file}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class UserError(Exception):
    """Bad input or environment: print it on one line per problem, exit 1, no traceback."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class ProblemList:
    """Collects problems so validation reports every error at once rather than the first."""

    items: list[Problem] = field(default_factory=list)

    def add(self, message: str, file: str | None = None, line: int | None = None) -> None:
        self.items.append(Problem(message, file, line))

    def raise_if_any(self) -> None:
        if self.items:
            raise UserError(self.items)
