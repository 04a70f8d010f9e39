"""Organization reads behind the SCP guardrails module: targets, the accounts under them, and the SCPs
attached on every path from the root to an account (what the lockout guard must evaluate, because AWS
applies every SCP on the path, not only the one being written)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from typing import Any

from remediations._aws import paginate, walk_organization

SCP = "SERVICE_CONTROL_POLICY"
_ROOT_ID = re.compile(r"^r-[0-9a-z]{4,32}$")
_OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
FULL_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
Level = tuple[str, list[tuple[str, Any]]]


def policy_type_status(root: dict[str, Any]) -> str | None:
    """ENABLED, PENDING_ENABLE or PENDING_DISABLE; None when SCPs are off (the diff then says `create`)."""
    return next((t["Status"] for t in root.get("PolicyTypes", []) if t["Type"] == SCP), None)


def wait_until_enabled(org: Any, attempts: int = 15, delay: float = 2.0) -> None:
    """Enabling a policy type is asynchronous in AWS; attaching before it is ENABLED fails."""
    for _ in range(attempts):
        if policy_type_status(org.list_roots()["Roots"][0]) == "ENABLED":
            return
        time.sleep(delay)


def resolve_target(org: Any, root_id: str, target: str) -> str | None:
    """A target id for `root`, an id (root, OU, account) or an OU path; None if the path does not exist.
    The path is found on the organization walk (soc2ctl.aws.organizations, OUs only), which stops there."""
    if target == "root":
        return root_id
    if _ROOT_ID.match(target) or _OU_ID.match(target) or _ACCOUNT_ID.match(target):
        return target
    path = "/".join(part for part in target.strip("/").split("/") if part)
    if not path:
        return root_id
    units = walk_organization(org, root_id, accounts=False)
    return next((unit.id for unit in units if unit.ou_path == path), None)


def _accounts_under(org: Any, root_id: str, target: str) -> set[str]:
    if _ACCOUNT_ID.match(target):
        return {target}
    if target == root_id:
        return {a["Id"] for a in paginate(org, "list_accounts", "Accounts")}
    return {node.id for node in walk_organization(org, target) if node.kind == "account"}


class OrgView:
    """Cached reads of one organization's SCP layout, for one guard evaluation."""

    def __init__(self, org: Any, root_id: str, *, enabled: bool, own_policy_id: str | None) -> None:
        self.org, self.root_id, self.enabled, self.own = org, root_id, enabled, own_policy_id
        self._parents: dict[str, str] = {}
        self._attached: dict[str, list[tuple[str, Any]]] = {}
        self._content: dict[str, Any] = {}

    def accounts_under(self, targets: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for target in targets:
            found |= _accounts_under(self.org, self.root_id, target)
        return found

    def path(self, node: str) -> list[str]:
        """Root first, `node` last."""
        chain = [node]
        while chain[-1] != self.root_id and len(chain) < 10:
            if chain[-1] not in self._parents:
                parents = self.org.list_parents(ChildId=chain[-1])["Parents"]
                self._parents[chain[-1]] = parents[0]["Id"]
            chain.append(self._parents[chain[-1]])
        return list(reversed(chain))

    def attached(self, node: str) -> list[tuple[str, Any]]:
        """(name, document) of the SCPs attached to a node, except the one being written. With SCPs not yet
        enabled AWS attaches FullAWSAccess everywhere when they are, so that is what counts."""
        if node not in self._attached:
            found = []
            if self.enabled:
                summaries = paginate(
                    self.org, "list_policies_for_target", "Policies", TargetId=node, Filter=SCP
                )
                for summary in summaries:
                    if summary["Id"] != self.own:
                        found.append((summary["Name"], self._document(summary["Id"])))
            self._attached[node] = found if self.enabled else [("FullAWSAccess", FULL_ACCESS)]
        return self._attached[node]

    def _document(self, policy_id: str) -> Any:
        if policy_id not in self._content:
            content = self.org.describe_policy(PolicyId=policy_id)["Policy"]["Content"]
            try:
                self._content[policy_id] = json.loads(content)
            except ValueError:
                self._content[policy_id] = {"Statement": [{"Effect": "unreadable policy"}]}
        return self._content[policy_id]

    def levels(
        self, node: str, ours: tuple[str, Any], targets: set[str], *, future: bool = False
    ) -> list[Level]:
        """The path to `node` with every attached SCP, ours where it will be attached; `future` adds an
        account that joins `node` later (AWS gives it FullAWSAccess)."""
        out: list[Level] = []
        for step in self.path(node):
            label = "root" if step == self.root_id else step
            policies = self.attached(step) + ([ours] if step in targets else [])
            out.append((label, policies))
        if future:
            out.append(("a new account", [("FullAWSAccess", FULL_ACCESS)]))
        return out
