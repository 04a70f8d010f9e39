"""GuardDuty organization configuration: left at AWS's default (auto-enable NONE), i.e. drifted.

Nothing to write: the configuration lives on the audit account's detector, which the (region-scope)
guardduty_detector seed creates only after the org-scope seeds have run, and a fresh designation starts with
`AutoEnableOrganizationMembers: NONE` and every feature `NONE`, which is exactly the drift this control fixes.
The audit account is designated GuardDuty administrator by the delegated_admins seed.
"""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "org"


def seed(ctx: SeedContext) -> None:
    return None
