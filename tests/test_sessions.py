from types import SimpleNamespace

from soc2ctl.aws.sessions import AwsSessions, session_name, strip_loopback_account_prefix
from tests.helpers import create_org


def test_loopback_prefix_is_stripped_only_on_loopback():
    local = SimpleNamespace(
        url="http://123456789012.127.0.0.1:5000/v20180820/configuration/publicAccessBlock"
    )
    strip_loopback_account_prefix(local)
    assert local.url == "http://127.0.0.1:5000/v20180820/configuration/publicAccessBlock"
    real = SimpleNamespace(url="https://123456789012.s3-control.us-east-1.amazonaws.com/v20180820/x")
    strip_loopback_account_prefix(real)
    assert real.url == "https://123456789012.s3-control.us-east-1.amazonaws.com/v20180820/x"


def test_session_name_carries_run_id_and_is_valid():
    assert session_name("20261129T050000Z-abc123") == "soc2ctl-20261129T050000Z-abc123"
    assert len(session_name("x" * 100)) == 64


def test_member_sessions_assume_role_once_and_clients_are_cached(aws):
    ids = create_org(None, ["alpha"])
    sessions = AwsSessions(run_id="run-1", external_id="ext")
    calls = []
    sessions.register("before-call.sts.AssumeRole", lambda params, **_: calls.append(params) and None)
    ec2 = sessions.client(ids["alpha"], "us-east-1", "ec2")
    assert sessions.client(ids["alpha"], "us-east-1", "ec2") is ec2
    sessions.client(ids["alpha"], "eu-west-1", "ec2")
    sts = sessions.client(ids["alpha"], "us-east-1", "sts")
    ident = sts.get_caller_identity()
    assert ident["Account"] == ids["alpha"]
    assert ident["Arn"].endswith("OrganizationAccountAccessRole/soc2ctl-run-1")
    assert len(calls) == 1
    assert calls[0]["body"]["ExternalId"] == "ext"
    assert calls[0]["body"]["RoleSessionName"] == "soc2ctl-run-1"
    # The management (caller) account uses the base credentials: no role assumption.
    assert sessions.session_for("123456789012") is sessions.base


def test_profile_from_the_standard_chain(tmp_path, monkeypatch, aws):
    config = tmp_path / "config"
    config.write_text(
        "[profile audit]\nregion = eu-west-1\naws_access_key_id = a\naws_secret_access_key = b\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    sessions = AwsSessions(run_id="t", profile="audit")
    assert sessions.default_region() == "eu-west-1"
    assert sessions.base.get_credentials().access_key == "a"


def test_assumed_credentials_are_refreshed_before_they_expire(aws):
    """Member credentials carry their expiry (checked against UTC at each signature) and are assumed
    again when it nears: a long run never signs with expired keys."""
    import datetime as dt

    ids = create_org(None, ["alpha"])
    sessions = AwsSessions(run_id="run-1")
    calls = []
    sessions.register("before-call.sts.AssumeRole", lambda params, **_: calls.append(params) and None)
    credentials = sessions.credentials_for(ids["alpha"])
    first = credentials.get_frozen_credentials()
    assert len(calls) == 1 and credentials._expiry_time.tzinfo is not None
    credentials._expiry_time = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)  # about to expire
    renewed = credentials.get_frozen_credentials()
    assert len(calls) == 2 and renewed.access_key
    assert credentials._expiry_time > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    ident = sessions.client(ids["alpha"], "us-east-1", "sts").get_caller_identity()
    assert ident["Account"] == ids["alpha"] and first.access_key


def test_the_callers_own_account_has_one_client_view(aws):
    """Discovery's client (made before the caller's account id is known) is the one every later lookup of
    the caller's account gets: no second view signed with the same credentials."""
    create_org(None, ["alpha"])
    sessions = AwsSessions(run_id="caller")
    early = sessions.caller_client("us-east-1", "organizations")
    assert sessions.client(sessions.caller_account, "us-east-1", "organizations") is early
    assert early.describe_organization()["Organization"]["MasterAccountId"] == sessions.caller_account
