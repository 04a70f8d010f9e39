import threading
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from soc2ctl.aws.sessions import AwsSessions
from soc2ctl.config.inventory import read_inventory_file, resolve_inventory
from soc2ctl.errors import UserError
from tests.helpers import create_org

STATIC = """\
organization:
  discover: false
  management_account: "111111111111"
  include_management: true
regions: [us-east-1, eu-west-1]
vars: {retention: 7, level: all}
accounts:
  "111111111111": {name: management}
  "123456789012":
    name: payments-prod
    ou: Workloads/Prod
    tags: {env: prod}
    regions: [eu-west-1]
    vars: {retention: 35}
  "210987654321": {name: legacy-batch, ou: Workloads/Prod/Batch, tags: {legacy: "true"}}
  "333333333333": {name: web-dev, ou: Workloads/Dev}
groups:
  prod: {ous: ["Workloads/Prod"], vars: {level: prod, retention: 14}}
  legacy: {tags: {legacy: "true"}, priority: 5, vars: {level: legacy}}
  named: {accounts: [web-dev]}
exclude: ["333333333333"]
"""


def load(tmp_path: Path, text: str, sessions=None):
    path = tmp_path / "inv.yml"
    path.write_text(text)
    spec, raw = read_inventory_file(path)
    return resolve_inventory(path, spec, raw, sessions)


def test_static_inventory_groups_vars_and_exclusions(tmp_path):
    inv = load(tmp_path, STATIC)
    by_name = {a.name: a for a in inv.accounts}
    assert set(by_name) == {"management", "payments-prod", "legacy-batch"}
    assert by_name["management"].is_management
    pay = by_name["payments-prod"]
    assert pay.groups == ("prod",)
    assert pay.regions == ("eu-west-1",)
    # inventory vars < group vars < account vars
    assert pay.vars == {"retention": 35, "level": "prod"}
    legacy = by_name["legacy-batch"]
    assert legacy.groups == ("prod", "legacy")  # OU below Workloads/Prod joins prod; sorted by priority
    assert legacy.vars == {"retention": 14, "level": "legacy"}  # higher priority group wins
    assert legacy.regions == ("us-east-1", "eu-west-1")


def test_limit_over_groups_names_and_ids(tmp_path):
    inv = load(tmp_path, STATIC)
    assert [a.name for a in inv.select("prod:!legacy")] == ["payments-prod"]
    assert [a.name for a in inv.select("111111111111")] == ["management"]


def test_management_excluded_unless_asked(tmp_path):
    text = STATIC.replace("include_management: true", "include_management: false").replace(
        '  "111111111111": {name: management}\n', ""
    )
    inv = load(tmp_path, text)
    assert "111111111111" not in [a.id for a in inv.accounts]
    assert inv.management.id == "111111111111"


def test_bad_account_id_names_the_line(tmp_path):
    with pytest.raises(UserError) as err:
        load(tmp_path, "accounts:\n  12345: {name: x}\n")
    assert "inv.yml:2" in str(err.value)
    assert "12 digits" in str(err.value)


def test_unknown_key_names_the_line(tmp_path):
    with pytest.raises(UserError) as err:
        load(tmp_path, "regions: [us-east-1]\ngroups:\n  prod:\n    oous: [x]\n")
    assert "inv.yml:4" in str(err.value) and "unknown key" in str(err.value)


def test_discovery_reads_accounts_ou_paths_and_tags(tmp_path, aws):
    ids = create_org(None, ["alpha", "beta"], ou="Workloads/Prod")
    text = "organization: {discover: true}\nregions: [us-east-1]\ngroups:\n  prod: {ous: [Workloads]}\n"
    inv = load(tmp_path, text, AwsSessions(run_id="t"))
    by_name = {a.name: a for a in inv.accounts}
    assert set(by_name) == {"alpha", "beta"}  # management not a target by default
    assert by_name["alpha"].id == ids["alpha"]
    assert by_name["alpha"].ou_path == "Workloads/Prod"
    assert by_name["alpha"].tags == {"team": "alpha"}
    assert by_name["alpha"].groups == ("prod",)
    assert inv.management_account_id == "123456789012"


def test_discovery_without_organization_is_a_clear_error(tmp_path, aws):
    with pytest.raises(UserError) as err:
        load(tmp_path, "organization: {discover: true}\n", AwsSessions(run_id="t"))
    assert "organization discovery failed" in str(err.value)
    assert "inv.yml" in str(err.value)


def test_discovery_finds_the_ou_path_of_accounts_at_every_depth(tmp_path, aws):
    """The OU walk lists each level's OUs and accounts at once: an account under the root, in a
    first-level OU and two levels down each get their own path."""
    import boto3

    ids = create_org(None, ["alpha"], ou="Workloads/Prod")
    org = boto3.client("organizations", region_name="us-east-1")
    root = org.list_roots()["Roots"][0]["Id"]
    sandbox = org.create_organizational_unit(ParentId=root, Name="Sandbox")["OrganizationalUnit"]["Id"]
    made = {}
    for name in ("gamma", "delta"):
        made[name] = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"][
            "AccountId"
        ]
    org.move_account(AccountId=made["gamma"], SourceParentId=root, DestinationParentId=sandbox)
    inv = load(tmp_path, "organization: {discover: true}\nregions: [us-east-1]\n", AwsSessions(run_id="t"))
    paths = {a.name: a.ou_path for a in inv.accounts}
    assert paths == {"alpha": "Workloads/Prod", "gamma": "Sandbox", "delta": ""}
    assert inv.account(ids["alpha"]).tags == {"team": "alpha"}


def _denied(operation_name: str) -> ClientError:
    error = {
        "Code": "InvalidClientTokenId",
        "Message": "The security token included in the request is invalid.",
    }
    return ClientError({"Error": error}, operation_name)


def test_discovery_reports_unusable_caller_credentials_not_what_organizations_made_of_them(tmp_path, aws):
    """Credentials AWS refuses fail every call: the error names the caller credentials (as when the
    identity was read before the organization), whichever call failed first."""
    sessions = AwsSessions(run_id="t")

    def refuse(model, **_):
        raise _denied(model.name)

    sessions.register("before-call.sts.GetCallerIdentity", refuse)
    sessions.register("before-call.organizations", refuse)
    with pytest.raises(UserError) as err:
        load(tmp_path, "organization: {discover: true}\nregions: [us-east-1]\n", sessions)
    message = str(err.value)
    assert "cannot identify the caller credentials" in message and "InvalidClientTokenId" in message
    assert "organization discovery failed" not in message and "inv.yml" in message


def test_discovery_reads_the_caller_identity_while_it_reads_the_organization(tmp_path, aws):
    """The caller's identity is one round trip; it is read while the organization is, not before it:
    GetCallerIdentity waits here until an organizations call has started (a serial discovery would
    wait out the timeout, then fail the assertion)."""
    create_org(None, ["alpha"])
    sessions = AwsSessions(run_id="t")
    org_call = threading.Event()
    seen_during_identity = []

    def identity(**_):
        seen_during_identity.append(org_call.wait(timeout=60))

    sessions.register("before-call.sts.GetCallerIdentity", identity)
    sessions.register("before-call.organizations", lambda **_: org_call.set())
    inv = load(tmp_path, "organization: {discover: true}\nregions: [us-east-1]\n", sessions)
    assert seen_during_identity == [True]
    assert [a.name for a in inv.accounts] == ["alpha"]


def test_discovery_without_any_credentials_names_the_caller_credentials(tmp_path, aws, monkeypatch):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(UserError) as err:
        load(tmp_path, "organization: {discover: true}\nregions: [us-east-1]\n", AwsSessions(run_id="t"))
    message = str(err.value)
    assert "cannot identify the caller credentials: Unable to locate credentials" in message
    assert "inv.yml" in message
