"""KMS: one private key per key spec, generated once (speed, not a gap in behaviour).

moto generates a private key for every KMS key it creates, a 2048-bit RSA key even for symmetric keys it
never signs with: about 40 ms each idle and 130 ms on a loaded machine, which made KMS keys the largest
single cost of seeding the sandbox (66 keys) and of tests that create keys. Neither the sandbox nor the
tests look at key material, so keys of the same spec share one.
"""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.kms import models

    original = models.generate_private_key
    if getattr(original, "_shared", False):
        return
    cache: dict[str, Any] = {}

    def generate_private_key(key_spec: str) -> Any:
        if key_spec not in cache:
            cache[key_spec] = original(key_spec)
        return cache[key_spec]

    generate_private_key._shared = True  # type: ignore[attr-defined]
    models.generate_private_key = generate_private_key
