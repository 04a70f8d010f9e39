from tests.helpers import ModuleRun, member_client

ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def _get(account_id):
    s3c = member_client("s3control", account_id)
    return s3c.get_public_access_block(AccountId=account_id)["PublicAccessBlockConfiguration"]


def test_compliant_is_noop(org):
    member_client("s3control", org["alpha"]).put_public_access_block(
        AccountId=org["alpha"], PublicAccessBlockConfiguration=ALL_ON
    )
    assert ModuleRun("s3-account-public-access-block", {}, org["alpha"]).plan().action == "no-op"


def test_absent_is_created(org):
    run = ModuleRun("s3-account-public-access-block", {}, org["beta"])
    planned = run.plan()
    assert planned.action == "create"
    assert len(planned.changes) == 4
    assert run.apply().status == "changed"
    assert _get(org["beta"]) == ALL_ON


def test_drifted_flag(org):
    member_client("s3control", org["gamma"]).put_public_access_block(
        AccountId=org["gamma"], PublicAccessBlockConfiguration={**ALL_ON, "BlockPublicPolicy": False}
    )
    run = ModuleRun("s3-account-public-access-block", {}, org["gamma"])
    planned = run.plan()
    assert [(c.path, c.before, c.after) for c in planned.changes] == [("block_public_policy", False, True)]
    run.apply()
    assert _get(org["gamma"]) == ALL_ON
