"""One retry layer: a throttled call is sent exactly `max_attempts` times, and the user's AWS_MAX_ATTEMPTS,
AWS_RETRY_MODE and profile settings decide how many; opt-in regions an account has not enabled are
reported without a call into them, and never retried."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from moto.backends import get_backend

from soc2ctl.aws.regions import RegionStatus
from soc2ctl.aws.retry import RetryPolicy
from soc2ctl.aws.sessions import AwsSessions
from soc2ctl.errors import UserError
from tests.helpers import ModuleRun, create_org

MANAGEMENT = "123456789012"
THROTTLED = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
    b"<Message>Rate exceeded</Message></Error></ErrorResponse>"
)


class _Body:
    def stream(self, **_: object):
        yield b""


def _throttle_every_send(sessions: AwsSessions) -> list[str]:
    """Answer every request that would go on the wire with Throttling; return the list of requests sent."""
    sent: list[str] = []

    def answer(request, **_):
        sent.append(request.url)
        response = AWSResponse(request.url, 400, {}, _Body())
        response._content = THROTTLED
        return response

    sessions.register("before-send", answer)
    return sent


def _requests_for_one_throttled_call(**session_args: object) -> tuple[int, AwsSessions]:
    base = botocore.session.Session(profile=session_args.get("profile"))  # type: ignore[arg-type]
    fast = RetryPolicy.from_session(base, base_wait=0.0001, max_wait=0.0002)
    sessions = AwsSessions(run_id="retries", retry_policy=fast, **_offline(), **session_args)  # type: ignore[arg-type]
    sent = _throttle_every_send(sessions)
    with pytest.raises(Exception, match="Throttling"):
        sessions.client(MANAGEMENT, "us-east-1", "sts").get_caller_identity()
    return len(sent), sessions


def _offline() -> dict[str, object]:
    """No moto: every request reaches the `before-send` hook (what would go on the wire), nothing else."""
    return {
        "endpoint_url": "http://127.0.0.1:9",
        "credentials": {"access_key": "testing", "secret_key": "testing"},
    }


@pytest.fixture
def clean_retry_env(monkeypatch):
    for name in ("AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/soc2ctl-test-config")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return monkeypatch


def test_throttled_call_is_sent_default_attempts_only(clean_retry_env):
    count, sessions = _requests_for_one_throttled_call()
    assert count == 5  # soc2ctl's own patience for throttling; botocore adds no attempts of its own
    assert sessions.config.retries == {"mode": "standard", "total_max_attempts": 1}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"AWS_MAX_ATTEMPTS": "2"}, 2),
        ({"AWS_MAX_ATTEMPTS": "1"}, 1),
        ({"AWS_RETRY_MODE": "standard"}, 3),
        ({"AWS_RETRY_MODE": "legacy"}, 5),
        ({"AWS_MAX_ATTEMPTS": "7", "AWS_RETRY_MODE": "adaptive"}, 7),
    ],
)
def test_environment_sets_the_attempts(clean_retry_env, env, expected):
    for name, value in env.items():
        clean_retry_env.setenv(name, value)
    count, _ = _requests_for_one_throttled_call()
    assert count == expected
    # and the sessions a run makes read the same settings
    assert AwsSessions(run_id="r").retry_policy.attempts == expected


def test_adaptive_mode_keeps_botocores_rate_limiter_without_its_retries(clean_retry_env):
    clean_retry_env.setenv("AWS_RETRY_MODE", "adaptive")
    sessions = AwsSessions(run_id="r")
    assert sessions.config.retries == {"mode": "adaptive", "total_max_attempts": 1}


def test_profile_settings_set_the_attempts(clean_retry_env, tmp_path):
    config = tmp_path / "config"
    config.write_text(
        "[profile audit]\nregion = us-east-1\naws_access_key_id = testing\naws_secret_access_key = testing\n"
        "max_attempts = 4\nretry_mode = standard\n"
    )
    clean_retry_env.setenv("AWS_CONFIG_FILE", str(config))
    count, _ = _requests_for_one_throttled_call(profile="audit")
    assert count == 4
    clean_retry_env.setenv("AWS_MAX_ATTEMPTS", "2")  # the environment wins over the profile, as in botocore
    assert AwsSessions(run_id="r", profile="audit").retry_policy.attempts == 2


@pytest.mark.parametrize(
    "env", [{"AWS_MAX_ATTEMPTS": "zero"}, {"AWS_MAX_ATTEMPTS": "0"}, {"AWS_RETRY_MODE": "eager"}]
)
def test_bad_settings_are_one_line_errors(clean_retry_env, env):
    for name, value in env.items():
        clean_retry_env.setenv(name, value)
    with pytest.raises(UserError, match=r"AWS_MAX_ATTEMPTS|AWS_RETRY_MODE"):
        AwsSessions(run_id="r")


def test_not_retryable_errors_are_sent_once(clean_retry_env):
    clean_retry_env.setenv("AWS_MAX_ATTEMPTS", "6")
    sessions = AwsSessions(run_id="r", **_offline())
    sent: list[str] = []

    def denied(request, **_):
        sent.append(request.url)
        response = AWSResponse(request.url, 403, {}, _Body())
        response._content = THROTTLED.replace(b"Throttling", b"AccessDenied")
        return response

    sessions.register("before-send", denied)
    with pytest.raises(Exception, match="AccessDenied"):
        sessions.client(MANAGEMENT, "us-east-1", "sts").get_caller_identity()
    assert len(sent) == 1


# ---------------------------------------------------------------- credential refresh


def test_member_session_uses_refreshable_credentials_through_the_public_api(aws):
    ids = create_org(None, ["alpha"])
    sessions = AwsSessions(run_id="refresh")
    session = sessions.session_for(ids["alpha"])
    creds = session.get_credentials()
    assert creds is sessions.credentials_for(ids["alpha"])
    assert creds.method == "sts-assume-role" and hasattr(creds, "refresh_needed")
    ident = session.create_client("sts", region_name="us-east-1").get_caller_identity()
    assert ident["Account"] == ids["alpha"]


# ---------------------------------------------------------------- regions not enabled

OPT_IN = "af-south-1"  # launched after March 2019: enabled per account


def _opt_out(account_id: str, region: str) -> None:
    """moto lists every region for every account; make `region` not enabled in this one account (what
    DescribeRegions with AllRegions answers for an opt-in region the account has not enabled)."""
    backend = get_backend("ec2")[account_id]["us-east-1"]
    backend.regions = [
        type(r)(r.name, r.endpoint, "not-opted-in" if r.name == region else r.opt_in_status)
        for r in backend.regions
    ]


def _region_status() -> tuple[RegionStatus, list[dict]]:
    """A RegionStatus on fresh sessions, and the DescribeRegions requests it makes."""
    sessions = AwsSessions(run_id="regions")
    listed: list[dict] = []
    sessions.register("before-call.ec2.DescribeRegions", lambda params, **_: listed.append(params) and None)
    return RegionStatus(sessions, "us-east-1"), listed


def test_region_not_enabled_is_detected_per_account_once(aws):
    ids = create_org(None, ["alpha", "beta"])
    _opt_out(ids["alpha"], OPT_IN)
    status, listed = _region_status()
    problem = status.problem(ids["alpha"], OPT_IN)
    assert problem and "not enabled" in problem and ids["alpha"] in problem and "not-opted-in" in problem
    assert status.problem(ids["alpha"], "us-east-1") is None
    assert status.problem(ids["alpha"], OPT_IN) == problem
    assert status.problem(ids["beta"], OPT_IN) is None
    assert len(listed) == 2  # once per account
    assert listed[0]["body"].get("AllRegions") in ("true", True)


def test_a_region_enabled_in_every_account_costs_no_call(aws):
    """Regions launched before March 2019 cannot be disabled: nothing to read for them."""
    ids = create_org(None, ["alpha"])
    status, listed = _region_status()
    assert all(status.problem(ids["alpha"], r) is None for r in ("us-east-1", "eu-west-1", "ap-south-1"))
    assert listed == []
    assert status.problem(ids["alpha"], OPT_IN) is None  # moto lists af-south-1 as opt-in-not-required
    assert len(listed) == 1


def test_concurrent_tasks_of_one_account_read_its_regions_once(aws):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    ids = create_org(None, ["alpha"])
    _opt_out(ids["alpha"], OPT_IN)
    status, listed = _region_status()
    started = threading.Barrier(8)

    def ask(_: int) -> str | None:
        started.wait()  # all eight ask before any read can finish
        return status.problem(ids["alpha"], OPT_IN)

    with ThreadPoolExecutor(8) as pool:
        problems = list(pool.map(ask, range(8)))
    assert len(set(problems)) == 1 and problems[0] and "not enabled" in problems[0]
    assert len(listed) == 1


def test_task_in_a_disabled_region_fails_with_the_reason_and_no_call_into_it(aws):
    ids = create_org(None, ["alpha"])
    _opt_out(ids["alpha"], OPT_IN)
    sessions = AwsSessions(run_id="regions")
    regional: list[str] = []
    sessions.register(
        "before-send",
        lambda request, **_: regional.append(request.url) if OPT_IN in request.url else None,
    )
    run = ModuleRun("ebs-default-encryption", {}, account_id=ids["alpha"], region=OPT_IN, sessions=sessions)
    result = run.plan()
    assert result.status == "failed"
    assert "region not enabled in this account" in (result.error or "")
    assert regional == []
    assert result.calls == []


def test_the_error_aws_returns_in_a_region_that_is_off_is_named(aws):
    from botocore.exceptions import ClientError

    ids = create_org(None, ["alpha"])
    _opt_out(ids["alpha"], OPT_IN)
    status = RegionStatus(AwsSessions(run_id="regions"), "us-east-1")

    def error(code: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "x"}}, "DescribeVpcs")

    opt_in = status.explain(ids["alpha"], "us-east-1", error("OptInRequired"))
    assert opt_in and "not enabled (opted in)" in opt_in
    token = status.explain(ids["alpha"], OPT_IN, error("UnrecognizedClientException"))
    assert token and "UnrecognizedClientException" in token
    # the same credentials error in an enabled region is not blamed on the region
    assert status.explain(ids["alpha"], "us-east-1", error("UnrecognizedClientException")) is None
    assert status.explain(ids["alpha"], None, error("OptInRequired")) is None
