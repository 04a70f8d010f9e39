"""The recorder of tests/remediations/conftest.py itself: it sees denied calls and flags undeclared ones."""

from soc2ctl import registry
from tests.helpers import ModuleRun, deny
from tests.remediations.conftest import ActionRecorder


def test_calls_answered_by_a_fault_hook_still_count(org, declared_actions_cover_calls):
    run = ModuleRun("s3-account-public-access-block", {}, org["alpha"])
    deny(run.sessions, "s3control.*")
    assert run.plan().action == "error"
    (recorder,) = declared_actions_cover_calls.values()
    assert recorder.actions == {"s3:GetAccountPublicAccessBlock"}  # s3control's API name maps to it


def test_an_undeclared_call_is_reported(org, declared_actions_cover_calls):
    run = ModuleRun("iam-password-policy", {}, org["alpha"])
    run.plan()
    (recorder,) = declared_actions_cover_calls.values()
    assert recorder.undeclared() == []
    stray = ActionRecorder()
    stray.modules["iam-password-policy"] = registry.get("iam-password-policy")
    stray.actions = {"iam:GetAccountPasswordPolicy", "iam:ListUsers"}
    assert stray.undeclared() == ["iam:ListUsers"]


def test_a_conditional_write_counts_only_when_a_run_turned_its_parameter_on():
    module = registry.get("iam-user-mfa")
    recorder = ActionRecorder()
    recorder.modules["iam-user-mfa"] = module
    recorder.actions = {"iam:ListUsers", "iam:AttachUserPolicy"}
    recorder.params["iam-user-mfa"] = [module.Params(enforce_deny_without_mfa=False)]
    assert recorder.undeclared() == ["iam:AttachUserPolicy"]
    recorder.params["iam-user-mfa"].append(module.Params(enforce_deny_without_mfa=True))
    assert recorder.undeclared() == []
