from tests.helpers import ModuleRun, deny, member_client, write_calls

MODULE = "ebs-snapshot-public-access"


def state(account: str, region: str = "us-east-1") -> str:
    return member_client("ec2", account, region).get_snapshot_block_public_access_state()["State"]


def test_compliant_is_noop(org):
    member_client("ec2", org["alpha"]).enable_snapshot_block_public_access(State="block-all-sharing")
    result = ModuleRun(MODULE, {"state": "block-all-sharing"}, org["alpha"]).plan()
    assert result.action == "no-op"
    assert result.changes == []


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


def test_write_denied_fails_the_apply_and_names_the_operation(org):
    run = ModuleRun(MODULE, {"state": "block-all-sharing"}, org["alpha"])
    deny(run.sessions, "ec2.EnableSnapshotBlockPublicAccess")
    result = run.apply()
    assert result.status == "failed"
    assert f"account {org['alpha']} us-east-1: AccessDenied" in result.error
    assert "EnableSnapshotBlockPublicAccess" in result.error
    assert state(org["alpha"]) == "unblocked"
