"""Figures a change reviewer cares about, measured on a saved plan (e.g. the full baseline over the sandbox).

    soc2ctl plan playbooks/soc2-baseline.yml -i inventories/sandbox.yml --out plan.json
    python benchmarks/plan_review.py plan.json [--max-chars 65000]

Prints: the Markdown size against the limit; whether every high-risk change is shown in full (each of its
changed paths and the target); the blast radius of each organization-scope task; the number of changing
tasks per sandbox posture (accounts seeded compliant should show none); and that every task has a risk and
a summary.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from soc2ctl.render.markdown import MAX_CHARS, render_markdown
from soc2ctl.render.review import ACCOUNT, REGION, generalise

CHANGING = {"create", "update", "delete"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("plan", type=Path)
    parser.add_argument("--max-chars", type=int, default=MAX_CHARS)
    args = parser.parse_args()
    doc = json.loads(args.plan.read_text())
    tasks = doc["tasks"]

    markdown = render_markdown(doc, max_chars=args.max_chars)
    unlimited = render_markdown(doc, max_chars=10**9)
    print(f"markdown: {len(markdown)} chars (limit {args.max_chars}); without a limit {len(unlimited)} chars")
    summary_end = markdown.find("### By risk")
    high = [t for t in tasks if t["risk"] == "high" and t["action"] in CHANGING]
    missing = []
    for t in high:
        paths = [
            json.dumps(generalise(c["path"], t["account_id"], t["region"])).strip('"') for c in t["changes"]
        ]
        raw = [c["path"] for c in t["changes"]]
        shown = all(
            p in markdown[:summary_end] or r in markdown[:summary_end]
            for p, r in zip(paths, raw, strict=True)
        )
        if not (shown and t["account_id"] in markdown[:summary_end]):
            missing.append(t["key"])
    print(f"high-risk changing tasks: {len(high)}; shown in full in the summary: {len(high) - len(missing)}")
    for key in missing:
        print(f"  NOT in full: {key}")
    print(f"placeholders used for grouped changes: {ACCOUNT in markdown or REGION in markdown}")

    for t in tasks:
        if t["scope"] == "org":
            print(f"org task {t['control']}: {t['action']}, affected_accounts={len(t['affected_accounts'])}")

    try:
        from soc2ctl_sandbox.seed import LAYOUT

        posture = {a.name: a.posture for a in LAYOUT}
    except ImportError:
        posture = {}
    per = Counter(
        (posture.get(t["account_name"], "management"), t["action"])
        for t in tasks
        if t["scope"] != "org" and t["action"] != "no-op"
    )
    for p in ("compliant", "drifted", "fresh", "management"):
        counts = {a: n for (q, a), n in per.items() if q == p}
        print(
            f"posture {p}: {sum(counts.values())} non-no-op account/region tasks {dict(sorted(counts.items()))}"
        )
    bad = [t["key"] for t in tasks if t.get("risk") not in ("low", "medium", "high") or not t.get("summary")]
    print(f"tasks: {len(tasks)}; without risk or summary: {len(bad)}")


if __name__ == "__main__":
    main()
