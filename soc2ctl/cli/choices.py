"""The values of every enumerated option, as `Enum`s: help and shell completion list them, typer checks them.

Each option parses through `one_of`, so a wrong value is a UserError (one line at the error boundary, exit 1)
naming the option, the value and the choices, not click's usage panel. `StrEnum` members compare equal to
their values, so `fmt == "json"` and JSON output read as before.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from soc2ctl.errors import UserError

E = TypeVar("E", bound=StrEnum)


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


class PlanFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class CatalogFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class PolicyFormat(StrEnum):
    json = "json"
    cloudformation = "cloudformation"


class PolicyMode(StrEnum):
    plan = "plan"
    apply = "apply"


class PolicyRole(StrEnum):
    member = "member"
    caller = "caller"


class CallerIn(StrEnum):
    management = "management"
    other = "other"


class ReportFormat(StrEnum):
    markdown = "markdown"
    html = "html"


class FailOn(StrEnum):
    changes = "changes"
    detect = "detect"


class FindingsTarget(StrEnum):
    securityhub = "securityhub"


def one_of(kind: type[E], option: str) -> Callable[[Any], E]:
    """The parser of one option: its Enum member, or a one-line UserError."""

    def parse(value: Any) -> E:
        if isinstance(value, kind):
            return value
        try:
            return kind(value)
        except ValueError:
            choices = ", ".join(member.value for member in kind)
            raise UserError(f"{option} {value!r}: choose one of {choices}") from None

    return parse
