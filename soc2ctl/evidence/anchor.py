"""The chain head anchored outside the store: one `anchors/<seq>.json` per seal, holding the seal's digest.

Why: a store can prove that nothing *inside* it was edited, but not that its newest runs (or all of them)
were removed, or that the whole chain was rewritten and re-hashed, by someone who can write it. The anchor
is kept where that person cannot write: by default a directory under $SOC2CTL_HOME (the machine that runs
soc2ctl, apart from the evidence directory), or `--evidence-anchor` / $SOC2CTL_EVIDENCE_ANCHOR, e.g. an
S3 Object Lock bucket in another account. `verify` then names every anchored seal that is missing or
different, and every seal that has no anchor (appended afterwards).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from soc2ctl.evidence.chain import seal_key, sha256
from soc2ctl.evidence.records import FORMAT, canonical_bytes, now_iso
from soc2ctl.evidence.sinks import Sink, SinkError, parse_s3

ENV_ANCHOR = "SOC2CTL_EVIDENCE_ANCHOR"
ANCHOR_RE = re.compile(r"^anchors/(\d{8})\.json$")


def store_identity(location: str) -> str:
    """The store as one string, whatever way it was named (relative path, trailing slash)."""
    if parsed := parse_s3(location):
        return f"s3://{parsed[0]}/{parsed[1].strip('/')}"
    return str(Path(location).resolve())


def location_for(store_location: str, override: str | None = None) -> str:
    """Where the store's anchor is: the option, else $SOC2CTL_EVIDENCE_ANCHOR, else under $SOC2CTL_HOME."""
    if override or os.environ.get(ENV_ANCHOR):
        return override or os.environ[ENV_ANCHOR]
    from soc2ctl.paths import home

    digest = hashlib.sha256(store_identity(store_location).encode()).hexdigest()[:16]
    return str(home() / "anchors" / digest)


def anchor_key(seq: int) -> str:
    return f"anchors/{seq:08d}.json"


def write(anchor: Sink, store_location: str, sealed: dict[str, Any]) -> None:
    """Anchor one seal (written once: an anchor is never replaced)."""
    doc = {
        "format": FORMAT,
        "store": store_identity(store_location),
        "seq": sealed["seq"],
        "run_id": sealed.get("run_id"),
        "seal_sha256": sealed["sha256"],
        "signature": (sealed.get("signature") or {}).get("signature"),
        "anchored_at": now_iso(),
    }
    anchor.put_new(anchor_key(sealed["seq"]), canonical_bytes(doc))


def read(anchor: Sink, problems: list[str]) -> dict[int, dict[str, Any]]:
    """Every readable anchor by sequence number; an unreadable one is a problem of its own."""
    found: dict[int, dict[str, Any]] = {}
    for key in anchor.list("anchors/"):
        m = ANCHOR_RE.match(key)
        if not m:
            continue
        try:
            doc = json.loads(anchor.get(key))
        except (SinkError, ValueError, RecursionError) as exc:
            problems.append(f"anchor {anchor.location}/{key}: unreadable ({str(exc)[:120]})")
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("seal_sha256"), str):
            problems.append(f"anchor {anchor.location}/{key}: not an anchor record")
            continue
        found[int(m.group(1))] = doc
    return found


def check(anchor: Sink, raw: dict[int, bytes], problems: list[str], notes: list[str]) -> None:
    """Compare the store's seals with their anchors, both ways."""
    anchors = read(anchor, problems)
    if not anchors:
        notes.append(
            f"no anchor at {anchor.location}: truncation and rewritten chains are not checked "
            "(run verify where soc2ctl runs, or pass --anchor)"
        )
        return
    for seq, doc in sorted(anchors.items()):
        if seq not in raw:
            problems.append(
                f"{seal_key(seq)}: anchored (run {doc.get('run_id')}, sha256:{doc['seal_sha256'][:16]}…) but "
                "missing from the store (newest runs or the whole store deleted)"
            )
        elif sha256(raw[seq]) != doc["seal_sha256"]:
            problems.append(
                f"{seal_key(seq)}: differs from its anchor (run {doc.get('run_id')} was sealed as "
                f"sha256:{doc['seal_sha256'][:16]}…): the chain was rewritten (renumbered, re-hashed or edited)"
            )
    for seq in sorted(set(raw) - set(anchors)):
        problems.append(
            f"{seal_key(seq)}: has no anchor in {anchor.location} (appended to the store afterwards, "
            "or the run failed to anchor it)"
        )
