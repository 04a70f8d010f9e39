"""Regions an account has not enabled: found once per account, reported as such, never retried.

Why: opt-in regions (af-south-1, ap-east-1, me-south-1, ...) are enabled per account. An inventory lists
regions for many accounts at once, so a region can be on for one account and off for the next; a call
into a region that is off fails with a credentials error (`UnrecognizedClientException`,
`AuthFailure`, `OptInRequired`) that says nothing about regions, and retrying it cannot help. So each
account's region list is read once (`ec2:DescribeRegions` with `AllRegions`, which reports every region
with its `OptInStatus`), and a task in a region that is `not-opted-in` fails at once with that reason,
without a single call into the region. When the list cannot be read (no permission, account not
reachable), nothing is assumed: the task's own calls report what AWS says, and `explain` names the
likely cause for the errors AWS returns in a region that is not enabled.

Only opt-in regions are checked. The regions AWS launched before 20 March 2019 (and the GovCloud and China
regions) are enabled in every account and cannot be disabled; every region since is opt-in. So a run in
those regions, which is most runs, spends no call and no round trip on this (at 200 accounts the reads
were 1 call in 5 of the plan, on every account's critical path).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from botocore.exceptions import ClientError

log = logging.getLogger(__name__)

NOT_ENABLED = frozenset({"not-opted-in"})
# Enabled in every account, for good: AWS's list of regions that are not opt-in ("Regions introduced before
# March 20, 2019 are enabled by default"), and the GovCloud and China regions. Closed: new regions are opt-in.
ALWAYS_ENABLED = frozenset(
    {
        *("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1"),
        *("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1"),
        *(
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-south-1",
        ),
        *("us-gov-west-1", "us-gov-east-1", "cn-north-1", "cn-northwest-1"),
    }
)
DISABLED_REGION_ERRORS = frozenset(
    {"OptInRequired", "UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure"}
)


class RegionStatus:
    """Per account: each region's opt-in status, read once per run (per process)."""

    def __init__(self, sessions: Any, home_region: str) -> None:
        self.sessions = sessions
        self.home_region = home_region
        self._lock = threading.Lock()
        self._reading: dict[str, threading.Lock] = {}  # per account: one read, however many tasks ask
        self._statuses: dict[str, dict[str, str] | None] = {}

    def after_fork(self) -> None:
        """In a forked worker: fresh locks (a thread of the parent may have held one at the fork)."""
        self._lock = threading.Lock()
        self._reading = {}

    def problem(self, account_id: str, region: str) -> str | None:
        """Why `region` cannot be used in this account, or None when it can (or nobody can tell)."""
        if region in ALWAYS_ENABLED:
            return None
        status = (self.statuses(account_id) or {}).get(region)
        if status not in NOT_ENABLED:
            return None
        return (
            f"account {account_id} {region}: region not enabled in this account (opt-in status {status}); "
            "enable it (account:EnableRegion) or leave it out of the account's regions in the inventory"
        )

    def statuses(self, account_id: str) -> dict[str, str] | None:
        """The account's regions and their opt-in status, read once: the account's regional tasks start
        together, and the ones that ask while the list is being read wait for it."""
        with self._lock:
            if account_id in self._statuses:
                return self._statuses[account_id]
            reading = self._reading.setdefault(account_id, threading.Lock())
        with reading:
            with self._lock:
                if account_id in self._statuses:
                    return self._statuses[account_id]
            found = self._read(account_id)
            with self._lock:
                self._statuses[account_id] = found
            return found

    def _read(self, account_id: str) -> dict[str, str] | None:
        try:
            ec2 = self.sessions.client(account_id, self.home_region, "ec2")
            regions = ec2.describe_regions(AllRegions=True)["Regions"]
        except Exception as exc:
            log.info("account %s: cannot list its regions (%s); not checking opt-in status", account_id, exc)
            return None
        return {r["RegionName"]: r.get("OptInStatus", "opt-in-not-required") for r in regions}

    def explain(self, account_id: str, region: str | None, exc: BaseException) -> str | None:
        """For an error AWS returns in a region that is off: say so, instead of a bare credentials error."""
        if region is None or not isinstance(exc, ClientError):
            return None
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "OptInRequired" or (code in DISABLED_REGION_ERRORS and self.problem(account_id, region)):
            return (
                f"account {account_id} {region}: {code}: the region is not enabled (opted in) in this account; "
                "enable it or leave it out of the account's regions in the inventory"
            )
        return None
