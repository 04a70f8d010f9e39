"""Test helpers: organizations on moto, tasks for one module, fault injection at the botocore edge."""

from __future__ import annotations

import fnmatch
import logging
import socket
import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.session
from botocore.awsrequest import AWSResponse

from soc2ctl import registry
from soc2ctl.aws.sessions import AwsSessions, strip_loopback_account_prefix
from soc2ctl.config.inventory import Account
from soc2ctl.config.models import ControlSpec
from soc2ctl.engine.executor import Executor, TaskResult
from soc2ctl.engine.tasks import Task, build_graph, declare_resources, task_key
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT, SandboxAccount
from soc2ctl_sandbox.seed import create_organization as _create_organization


class MotoServer:
    def __init__(self, server: Any, endpoint: str) -> None:
        self._server = server
        self.endpoint = endpoint

    @classmethod
    def start(cls) -> MotoServer:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        return cls(server, f"http://127.0.0.1:{port}")

    def reset(self) -> None:
        req = urllib.request.Request(self.endpoint + "/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=300).close()  # a hang guard only

    def stop(self) -> None:
        self._server.stop()


# The baseline's opt-in writes, turned on for organizations where no deploy template was deployed (as the
# sandbox inventory does): soc2ctl then creates the CloudTrail delivery role and the log buckets with their
# policies itself, and merges the TLS deny into bucket policies. As inventory `vars:` (flow-style YAML).
OPT_IN_VARS = "{cloudtrail_create_delivery_role: true, log_buckets_manage_policies: true, s3_tls_only_write_policies: true}"


def create_org(endpoint: str | None, names: list[str], ou: str = "Workloads") -> dict[str, str]:
    """An organization with one account per name (in `ou`, tagged team=<name>), name -> id."""
    layout = tuple(SandboxAccount(n, ou, {"team": n}, "fresh") for n in names)
    if endpoint is None:  # in-process moto: the endpoint argument is only used as endpoint_url
        return _create_organization(None, layout)  # type: ignore[arg-type]
    return _create_organization(endpoint, layout)


def member_client(
    service: str, account_id: str, region: str = "us-east-1", endpoint: str | None = None
) -> Any:
    """A boto3 client in a member account, independent of soc2ctl's own session code."""
    core = botocore.session.Session()
    core.register("before-sign.s3-control", strip_loopback_account_prefix)
    base = boto3.Session(botocore_session=core, region_name=region)
    if account_id == MANAGEMENT_ACCOUNT:
        return base.client(service, endpoint_url=endpoint)
    creds = base.client("sts", endpoint_url=endpoint).assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="test"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        botocore_session=core,
        region_name=region,
    ).client(service, endpoint_url=endpoint)


# ---------------------------------------------------------------- one module, one target


@dataclass
class ModuleRun:
    """Drives one remediation module at one target through the real executor."""

    module: str
    desired: dict[str, Any]
    account_id: str = MANAGEMENT_ACCOUNT
    region: str | None = "us-east-1"
    home_region: str = "us-east-1"
    sessions: AwsSessions | None = None
    variables: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.sessions = self.sessions or AwsSessions(run_id="test")
        self.remediation = registry.get(self.module)
        assert self.remediation is not None, f"no module {self.module}"
        if self.remediation.scope.value != "region":
            self.region = None

    def task(self) -> Task:
        control = ControlSpec(id=self.module, remediation=self.module, desired=self.desired)
        account = Account(id=self.account_id, name=f"acct-{self.account_id}")
        task = Task(
            task_key(self.module, self.account_id, self.region),
            control,
            self.remediation,
            account,
            self.region,
            self.region or self.home_region,
            dict(self.variables or {}),
        )
        task.params = self.remediation.Params.model_validate(self.desired)
        declare_resources(task, self.home_region, MANAGEMENT_ACCOUNT)
        return task

    def executor(self) -> Executor:
        return Executor(
            self.sessions,
            build_graph([self.task()]),
            parallelism=1,
            home_region=self.home_region,
            management_account_id=MANAGEMENT_ACCOUNT,
        )

    def plan(self) -> TaskResult:
        return next(iter(self.executor().plan().values()))

    def apply(self) -> TaskResult:
        return next(iter(self.executor().apply().values()))


def write_calls(result: TaskResult) -> list[str]:
    return [c.iam_action for c in result.calls if c.is_write]


# ---------------------------------------------------------------- faults


def aws_error(code: str, message: str, status: int = 403) -> tuple[AWSResponse, dict[str, Any]]:
    parsed = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return AWSResponse("https://fault.invalid", status, {}, None), parsed


def deny(
    sessions: AwsSessions, operations: str = "*", code: str = "AccessDenied", sparing: tuple[str, ...] = ()
) -> list[str]:
    """Answer every matching call (by `Service.Operation` glob) with an access-denied error, at the botocore
    edge, as AWS does when an SCP or the role's policy denies it; calls to the `sparing` services pass.
    Returns the list of denied calls."""
    denied: list[str] = []

    def handler(model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        name = f"{model.service_model.service_name}.{model.name}"
        if model.service_model.service_name not in sparing and fnmatch.fnmatchcase(name, operations):
            denied.append(name)
            return aws_error(code, f"User is not authorized to perform: {name}")
        return None

    sessions.register("before-call", handler)
    return denied


def seeded_postures(endpoint: str, monkeypatch: Any, seeders: list[tuple[str, Any]]) -> dict[str, str]:
    """An organization with one account per posture (c: compliant, d: drifted, f: fresh), seeded over
    HTTP by the given seeders only (the moto extensions must serialise); returns name -> account id."""
    from soc2ctl_sandbox import seed

    layout = tuple(
        SandboxAccount(n, "Workloads", {}, p)
        for n, p in (("c", "compliant"), ("d", "drifted"), ("f", "fresh"))
    )
    ids = _create_organization(endpoint, layout)
    monkeypatch.setattr(seed, "_seeders", lambda: seeders)
    seed.seed_settings(endpoint, ids, layout)
    return ids


def planned_actions(
    module: str,
    desired: dict[str, Any],
    ids: dict[str, str],
    regions: tuple[str, ...] = ("us-east-1", "eu-west-1"),
) -> dict[tuple[str, str], str]:
    """The planned action of one module in every (account name, region) of `ids`."""
    return {
        (name, region): ModuleRun(module, desired, ids[name], region=region).plan().action
        for name in ids
        for region in regions
    }


# The baseline's password policy, as AWS spells it: what a compliant account has.
STRONG_PASSWORD_POLICY = {
    "MinimumPasswordLength": 14,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "AllowUsersToChangePassword": True,
    "MaxPasswordAge": 90,
    "PasswordReusePrevention": 24,
    "HardExpiry": False,
}


def deploy_template(body: str, account: str, org_id: str) -> None:
    """The deploy template as a stack in `account`, which is both the management and the log archive account
    (the baseline's default): execution roles, log buckets with their policies, the trail's delivery role."""
    cfn = member_client("cloudformation", account)
    values = {
        "PlanCallerRoleArns": f"arn:aws:iam::{account}:role/ci-plan",
        "ApplyCallerRoleArns": f"arn:aws:iam::{account}:role/ci-apply",
        "ExternalId": "external-id-for-test",
        "ManagementAccountId": account,
        "LogArchiveAccountId": account,
        "OrganizationId": org_id,
    }
    cfn.create_stack(
        StackName="soc2ctl",
        TemplateBody=body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    assert cfn.describe_stacks(StackName="soc2ctl")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
