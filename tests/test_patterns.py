import pytest

from soc2ctl.config.patterns import Matchable, select, unknown_terms
from soc2ctl.errors import UserError

ACCOUNTS = [
    Matchable("111111111111", "payments-prod", frozenset({"prod", "eu"})),
    Matchable("222222222222", "web-prod", frozenset({"prod"})),
    Matchable("333333333333", "legacy-batch", frozenset({"prod", "legacy"})),
    Matchable("444444444444", "web-dev", frozenset({"dev", "eu"})),
]


def names(pattern):
    return [m.name for m in select(pattern, ACCOUNTS)]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("all", ["payments-prod", "web-prod", "legacy-batch", "web-dev"]),
        ("prod", ["payments-prod", "web-prod", "legacy-batch"]),
        ("prod:!legacy", ["payments-prod", "web-prod"]),
        ("prod:&eu", ["payments-prod"]),
        ("web-*", ["web-prod", "web-dev"]),
        ("222222222222,web-dev", ["web-prod", "web-dev"]),
        ("!prod", ["web-dev"]),
        ("dev:prod:!web-*", ["payments-prod", "legacy-batch"]),
    ],
)
def test_ansible_patterns(pattern, expected):
    assert names(pattern) == expected


def test_unknown_terms_are_reported():
    assert unknown_terms("prod:!legasy:&eu", ACCOUNTS) == ["legasy"]


def test_empty_pattern_is_an_error():
    with pytest.raises(UserError):
        select(" : ", ACCOUNTS)
