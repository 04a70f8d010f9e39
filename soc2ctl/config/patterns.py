"""Ansible host patterns over accounts: `prod:!legacy`, `prod:&eu`, `payments-*`, `123456789012`.

Terms are separated by `:` or `,`. Plain terms are unioned, `&term` intersects, `!term` subtracts, in that
order, as in Ansible; a pattern of only `!`/`&` terms starts from all accounts. A term matches a group name, an account id or an account name, with shell wildcards.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass

from soc2ctl.errors import UserError


@dataclass(frozen=True)
class Matchable:
    """What a pattern term can match on one account."""

    account_id: str
    name: str
    groups: frozenset[str]


def _split(pattern: str) -> list[str]:
    return [t.strip() for t in re.split(r"[:,]", pattern) if t.strip()]


def _term_matches(term: str, item: Matchable) -> bool:
    if term in ("all", "*"):
        return True
    candidates = [item.account_id, item.name, *item.groups, "all"]
    return any(fnmatch.fnmatchcase(c, term) for c in candidates)


def select(pattern: str, items: Iterable[Matchable]) -> list[Matchable]:
    """Accounts selected by the pattern, in the order given."""
    terms = _split(pattern)
    if not terms:
        raise UserError(f"empty host pattern {pattern!r}")
    items = list(items)
    plus = [t for t in terms if t[0] not in "!&"] or ["all"]
    ands = [t[1:] for t in terms if t[0] == "&"]
    nots = [t[1:] for t in terms if t[0] == "!"]
    chosen = []
    for item in items:
        if not any(_term_matches(t, item) for t in plus):
            continue
        if not all(_term_matches(t, item) for t in ands):
            continue
        if any(_term_matches(t, item) for t in nots):
            continue
        chosen.append(item)
    return chosen


def unknown_terms(pattern: str, items: Iterable[Matchable]) -> list[str]:
    """Terms that match nothing: almost always a typo worth telling the user about."""
    items = list(items)
    bare = [t.lstrip("!&") for t in _split(pattern)]
    return [t for t in bare if not any(_term_matches(t, i) for i in items)]
