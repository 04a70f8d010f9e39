"""Shared clients sign each call as the account of the view it is made through: calls, and pages of
paginators (which are copies of one paginator per operation)."""

import pytest
from botocore.exceptions import OperationNotPageableError

from soc2ctl.aws.sessions import AwsSessions
from soc2ctl.aws.shared_clients import UnboundCall
from tests.helpers import create_org


def test_paginators_of_views_read_their_own_account(aws):
    ids = create_org(None, ["alpha", "beta"])
    sessions = AwsSessions(run_id="run-1")
    alpha = sessions.client(ids["alpha"], "us-east-1", "guardduty")
    beta = sessions.client(ids["beta"], "us-east-1", "guardduty")
    alpha.create_detector(Enable=True)

    def detectors(client):
        pages = client.get_paginator("list_detectors").paginate()
        return [d for page in pages for d in page["DetectorIds"]]

    for _ in range(2):  # the second paginator of each view is a copy of the first one made
        assert len(detectors(alpha)) == 1
        assert detectors(beta) == []
    first, second = alpha.get_paginator("list_detectors"), beta.get_paginator("list_detectors")
    assert first is not second and type(first) is type(second)


def test_view_paginator_errors_are_botocores(aws):
    ids = create_org(None, ["alpha"])
    sessions = AwsSessions(run_id="run-1")
    guardduty = sessions.client(ids["alpha"], "us-east-1", "guardduty")
    with pytest.raises(OperationNotPageableError):
        guardduty.get_paginator("create_detector")


def test_shared_client_paginator_outside_a_binding_fails(aws):
    ids = create_org(None, ["alpha"])
    sessions = AwsSessions(run_id="run-1")
    sessions.client(ids["alpha"], "us-east-1", "guardduty")
    shared = sessions._shared[("us-east-1", "guardduty")]
    with pytest.raises(UnboundCall):
        list(shared.get_paginator("list_detectors").paginate())
