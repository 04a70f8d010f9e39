#!/usr/bin/env bash
# Issue #12, "every case has a test that fails on today's main and passes after": run the proof again.
# Not part of the test suite; docs/security-regressions.md holds the result table.
#
#   benchmarks/old_main_regressions.sh [OLD_REF]          (default 6289c10, main when #12 was filed)
#
# 1. A scratch git worktree of OLD_REF with its own venv (SCRATCH, default /tmp/soc2ctl-old-OLD_REF; reused
#    when it exists; about a minute to build).
# 2. Black-box: benchmarks/old_main_regressions/test_issue12_blackbox.py (the `soc2ctl` command on #12's
#    hostile inputs, against a moto server) is copied into the tests/ of the old worktree and of this checkout,
#    run in each (one process, -n 0), and removed again. Old: every test should FAIL; this checkout: PASS.
# 3. The suite's own #12 test files whose imports have an old counterpart (tests/test_untrusted_templates.py,
#    tests/test_input_limits.py, tests/test_scp_guard_evasions.py) are copied into the old worktree and run there through old_api_shim.py, which maps the new import paths to
#    the old modules (same test bodies, same assertions). One xdist worker with pytest-timeout's thread
#    method: a test that ends the process (os._exit) or hangs past the timeout kills only its worker, which
#    xdist reports as a crash and replaces.
# The old code's processes are capped at 3 GiB of address space (soc2ctl children of the black-box tests at
# 4 GiB) so its unbounded allocations fail with MemoryError instead of taking the shared machine's memory. Results: one line per test in
# $OUT (default /tmp/old_main_regressions.txt): test, result on OLD_REF, result here, OLD_REF's failure.
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
OLD_REF="${1:-6289c10}"
SCRATCH="${SCRATCH:-/tmp/soc2ctl-old-$OLD_REF}"
OUT="${OUT:-/tmp/old_main_regressions.txt}"
HANG_GUARD="${HANG_GUARD:-60}"   # old code: seconds a child may block (a FIFO open) before it counts as hung
NEW_GUARD=600                     # this checkout: a hang guard only (a loaded machine must pass)
BLACKBOX=test_zz_issue12_blackbox.py
SHIM_DIR="$HERE/benchmarks/old_main_regressions"
XML="$(mktemp -d)"
trap 'rm -rf "$XML"; rm -f "$SCRATCH/tests/$BLACKBOX" "$HERE/tests/$BLACKBOX"' EXIT

if [ ! -d "$SCRATCH" ]; then
    git -C "$HERE" worktree add --detach "$SCRATCH" "$OLD_REF"
fi
if [ ! -x "$SCRATCH/.venv/bin/pytest" ]; then
    python3 -m venv "$SCRATCH/.venv"
    "$SCRATCH/.venv/bin/pip" install -q -e "$SCRATCH[test]" pytest-timeout
fi
git -C "$SCRATCH" checkout -q -- tests && git -C "$SCRATCH" clean -fdq tests

run() {  # run TREE PYTHON XMLNAME ARGS...: pytest in TREE, results as JUnit XML
    local tree="$1" py="$2" xml="$3"
    shift 3
    # the old code allocates without bound: its test processes get a soft address-space cap (children
    # raise their own to 4 GiB), few malloc arenas so threads do not eat the cap
    local guard="$NEW_GUARD"
    if [ "$tree" = "$SCRATCH" ]; then guard="$HANG_GUARD"; fi
    (cd "$tree" && if [ "$tree" = "$SCRATCH" ]; then ulimit -S -v $((3 * 1024 * 1024)); fi &&
        MALLOC_ARENA_MAX=2 SOC2CTL_TEST_HANG_GUARD="$guard" nice "$py" -m pytest -p no:cacheprovider -q \
        --junitxml="$XML/$xml.xml" "$@" >"$XML/$xml.log" 2>&1) || true
    tail -1 "$XML/$xml.log"
}

echo "== black-box tests on $OLD_REF ($SCRATCH)"
cp "$SHIM_DIR/test_issue12_blackbox.py" "$SCRATCH/tests/$BLACKBOX"
run "$SCRATCH" "$SCRATCH/.venv/bin/python" blackbox-old -n 0 "tests/$BLACKBOX"
echo "== black-box tests on this checkout ($(git -C "$HERE" rev-parse --short HEAD))"
cp "$SHIM_DIR/test_issue12_blackbox.py" "$HERE/tests/$BLACKBOX"
run "$HERE" "$HERE/.venv/bin/python" blackbox-new -n 0 "tests/$BLACKBOX"
rm -f "$HERE/tests/$BLACKBOX"

echo "== the suite's own #12 test files on $OLD_REF, through old_api_shim.py"
SUITE=(tests/test_untrusted_templates.py tests/test_input_limits.py tests/test_scp_guard_evasions.py)
for file in "${SUITE[@]}"; do cp "$HERE/$file" "$SCRATCH/tests/"; done
PYTHONPATH="$SHIM_DIR" run "$SCRATCH" "$SCRATCH/.venv/bin/python" suite-old -p old_api_shim -n 1 \
    --timeout 60 --timeout-method thread "${SUITE[@]}"
echo "== the same files on this checkout"
run "$HERE" "$HERE/.venv/bin/python" suite-new -n 0 "${SUITE[@]}"
git -C "$SCRATCH" checkout -q -- tests && git -C "$SCRATCH" clean -fdq tests

"$HERE/.venv/bin/python" - "$XML" "$OLD_REF" >"$OUT" <<'EOF'
"""One line per test: name, result on the old ref, result here, why it failed on the old ref."""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

xml_dir, old_ref = Path(sys.argv[1]), sys.argv[2]


def results(name: str) -> dict[str, tuple[str, str]]:
    path = xml_dir / f"{name}.xml"
    found: dict[str, tuple[str, str]] = {}
    if not path.exists():
        return found
    for case in ET.parse(path).iter("testcase"):
        key = f"{case.get('classname', '').split('.')[-1]}::{case.get('name')}"
        bad = case.find("failure") if case.find("failure") is not None else case.find("error")
        if bad is None:
            found[key] = ("PASS", "") if case.find("skipped") is None else ("SKIP", "")
            continue
        lines = [line for line in (bad.text or "").splitlines() if line.startswith("E ")]
        hang = [line for line in lines if "HANG" in line or "Timeout" in line]
        message = (hang or lines or [bad.get("message") or ""])[0]
        found[key] = ("FAIL", " ".join(message.removeprefix("E").split())[:220])
    return found


total = {"old FAIL": 0, "new PASS": 0, "tests": 0}
for label, old_name, new_name in (("black-box", "blackbox-old", "blackbox-new"), ("suite", "suite-old", "suite-new")):
    old, new = results(old_name), results(new_name)
    print(f"## {label}: {len(old)} tests on {old_ref}, {len(new)} here")
    for key in sorted(set(old) | set(new)):
        o, why = old.get(key, ("MISSING", "(not reported: its worker crashed)"))
        n, _ = new.get(key, ("MISSING", ""))
        total["tests"] += 1
        total["old FAIL"] += o in ("FAIL", "MISSING")
        total["new PASS"] += n == "PASS"
        print(f"{key}\t{old_ref}={o}\tnow={n}\t{why}")
print(f"## total: {total['tests']} tests, {total['old FAIL']} fail on {old_ref}, {total['new PASS']} pass now")
EOF
cat "$OUT"
