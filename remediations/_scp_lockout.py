"""What the SCP lockout guard protects and how it reports: the actions soc2ctl needs in member accounts,
and a refusal message short enough to read in a plan."""

from __future__ import annotations

from collections.abc import Iterable

from remediations._aws import Denial

CORE_ACTIONS = (
    "sts:AssumeRole",
    "organizations:Describe*",
    "organizations:List*",
)


def needed_actions(module_actions: Iterable[str]) -> set[str]:
    """Every action soc2ctl needs in member accounts: assuming roles, reading the organization, and what
    every registered module reads and writes (`TaskContext.module_actions`, filled in by the engine)."""
    return set(CORE_ACTIONS) | set(module_actions)


def lockout_message(policy_name: str, found: list[Denial], roles: dict[str, str], accounts: int) -> str:
    """Names the locked-out roles, the statements and the actions (the engine's own first), briefly enough
    to read in a plan."""
    hit = sorted({d.principal_arn.rsplit("/", 1)[-1] for d in found})
    who = ", ".join(f"{roles.get(r, 'role')} {r}" for r in hit)
    statements = ", ".join(
        sorted(
            {d.statement + (f" of {d.policy}" if d.policy not in ("", policy_name) else "") for d in found}
        )
    )
    reasons = sorted({d.reason for d in found if d.reason})
    why = f"; not understood, so refused: {'; '.join(reasons[:3])}" if reasons else ""
    actions = sorted({d.action for d in found}, key=lambda a: (a not in CORE_ACTIONS, a))
    shown = ", ".join(actions[:8]) + (f" and {len(actions) - 8} more" if len(actions) > 8 else "")
    verb = "denies" if all(d.certain for d in found) else "denies or may deny"
    example = min(
        found,
        key=lambda d: (
            roles.get(d.principal_arn.rsplit("/", 1)[-1]) != "executor role",
            d.action not in CORE_ACTIONS,
        ),
    )
    return (
        f"SCP {policy_name} would lock out the {who} in up to {accounts} account(s): statement(s) "
        f"{statements} {verb} actions soc2ctl needs: {shown} (e.g. {example.principal_arn} "
        f"{example.action} in {example.region}){why}; exempt the role(s) with ArnNotLike aws:PrincipalArn"
    )
