"""Which names denote secrets, shared by plan masking and the template sandbox.

A key names a secret when its last word is one of `SECRET_WORDS`, or its last two words are one of the
pairs: `db_password`, `ClientSecret`, `session_token`, `private_key`, `SecretAccessKey` are secrets;
`minimum_password_length`, `require_symbols`, `kms_key_id`, `token_ttl` are not. It lives below both the
plan (masking by key) and templating (a secret variable may be placed, never transformed) so neither has
to import the other.
"""

from __future__ import annotations

import re
from functools import lru_cache

SECRET_WORDS = frozenset(
    {"password", "passwd", "passphrase", "secret", "token", "credential", "credentials", "apikey"}
)
SECRET_PAIRS = frozenset({("private", "key"), ("secret", "key"), ("api", "key"), ("access", "key")})


def key_words(key: str) -> list[str]:
    """`SecretAccessKey` -> [secret, access, key]; `db_password` -> [db, password]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", spaced)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


@lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whole words at the end of the key, so `password` in `minimum_password_length` does not count.
    Cached: a plan asks about the same few field names for every task (three regular expressions each
    were a tenth of a 6,000-task plan's CPU)."""
    words = key_words(key)
    if not words:
        return False
    return words[-1] in SECRET_WORDS or tuple(words[-2:]) in SECRET_PAIRS
