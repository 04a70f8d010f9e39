from soc2ctl.engine import registry
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from soc2ctl_sandbox.seeds import ebs_snapshot_public_access
from tests.helpers import ModuleRun, deny, member_client, seeded_postures, write_calls

MODULE = "ebs-snapshot-public-access"


def declared(result) -> bool:
    """Every call the module made is one of the IAM actions it declares (the iam-policy is complete)."""
    module = registry.get(MODULE)
    made = {c.iam_action for c in result.calls if c.service != "sts"}  # sts: the engine's own role assumption
    return made <= {*module.read_actions, *module.write_actions}


def state(account: str, region: str = "us-east-1") -> str:
    return member_client("ec2", account, region).get_snapshot_block_public_access_state()["State"]


def test_compliant_is_noop(org):
    member_client("ec2", org["alpha"]).enable_snapshot_block_public_access(State="block-all-sharing")
    result = ModuleRun(MODULE, {"state": "block-all-sharing"}, org["alpha"]).plan()
    assert result.action == "no-op"
    assert result.changes == []
    assert declared(result)


def test_unset_account_plans_update_and_apply_blocks_only_that_region(org):
    run = ModuleRun(MODULE, {}, org["alpha"], region="eu-west-1")  # default: block-all-sharing
    planned = run.plan()
    assert planned.action == "update"
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        ("state", "unblocked", "block-all-sharing")
    ]
    applied = run.apply()
    assert applied.status == "changed"
    assert write_calls(applied) == ["ec2:EnableSnapshotBlockPublicAccess"]
    assert declared(applied)
    assert state(org["alpha"], "eu-west-1") == "block-all-sharing"
    assert state(org["alpha"], "us-east-1") == "unblocked"
    assert state(org["beta"], "eu-west-1") == "unblocked"


def test_drifted_block_new_sharing_is_tightened(org):
    member_client("ec2", org["beta"]).enable_snapshot_block_public_access(State="block-new-sharing")
    run = ModuleRun(MODULE, {"state": "block-all-sharing"}, org["beta"])
    assert [(c.path, c.before, c.after) for c in run.plan().changes] == [
        ("state", "block-new-sharing", "block-all-sharing")
    ]
    assert run.apply().status == "changed"
    assert state(org["beta"]) == "block-all-sharing"


def test_unblocked_is_reached_through_disable(org):
    member_client("ec2", org["gamma"]).enable_snapshot_block_public_access(State="block-all-sharing")
    applied = ModuleRun(MODULE, {"state": "unblocked"}, org["gamma"]).apply()
    assert applied.status == "changed"
    assert write_calls(applied) == ["ec2:DisableSnapshotBlockPublicAccess"]
    assert state(org["gamma"]) == "unblocked"


def test_idempotent_second_apply_makes_no_write_call(org):
    run = ModuleRun(MODULE, {"state": "block-all-sharing"}, org["gamma"])
    assert write_calls(run.apply()) == ["ec2:EnableSnapshotBlockPublicAccess"]
    second = run.apply()
    assert second.status == "ok"
    assert write_calls(second) == []
    assert second.calls, "the second apply must still read"


def test_access_denied_is_a_clear_task_error(org):
    run = ModuleRun(MODULE, {"state": "block-all-sharing"}, org["alpha"])
    deny(run.sessions, "ec2.GetSnapshotBlockPublicAccessState")
    result = run.plan()
    assert result.action == "error"
    assert f"account {org['alpha']} us-east-1: AccessDenied" in result.error
    assert "GetSnapshotBlockPublicAccessState" in result.error


def test_write_denied_fails_the_apply_and_names_the_operation(org):
    run = ModuleRun(MODULE, {"state": "block-all-sharing"}, org["alpha"])
    deny(run.sessions, "ec2.EnableSnapshotBlockPublicAccess")
    result = run.apply()
    assert result.status == "failed"
    assert f"account {org['alpha']} us-east-1: AccessDenied" in result.error
    assert "EnableSnapshotBlockPublicAccess" in result.error
    assert state(org["alpha"]) == "unblocked"


def test_sandbox_seed_postures_over_a_moto_server(server, monkeypatch):
    """The seed puts each posture in the expected state, through HTTP (the moto extensions serialise)."""
    ids = seeded_postures(server.endpoint, monkeypatch, [("region", ebs_snapshot_public_access.seed)])
    actions = {
        (name, region): ModuleRun(MODULE, {"state": "block-all-sharing"}, ids[name], region=region)
        .plan()
        .action
        for name in ids
        for region in ("us-east-1", "eu-west-1")
    }
    assert actions == {
        ("c", "us-east-1"): "no-op",
        ("c", "eu-west-1"): "no-op",
        ("d", "us-east-1"): "update",
        ("d", "eu-west-1"): "no-op",
        ("f", "us-east-1"): "update",
        ("f", "eu-west-1"): "update",
    }
    assert ModuleRun(MODULE, {"state": "block-all-sharing"}, MANAGEMENT_ACCOUNT).plan().action == "no-op"
    fixed = ModuleRun(MODULE, {"state": "block-all-sharing"}, ids["d"]).apply()
    assert fixed.status == "changed", fixed.error
