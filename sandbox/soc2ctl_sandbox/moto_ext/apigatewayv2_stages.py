"""API Gateway v2 `UpdateStage` (moto 5.2 raises NotImplementedError): the fields soc2ctl and its seeds set.

Updates the stage's access log settings, default route settings, description, auto-deploy and stage
variables from the request (fields left out keep their value, as in AWS) and stamps `lastUpdatedDate`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import unquote

_FIELDS = {
    "accessLogSettings": "access_log_settings",
    "defaultRouteSettings": "default_route_settings",
    "description": "description",
    "autoDeploy": "auto_deploy",
    "stageVariables": "stage_variables",
}


def apply() -> None:
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    def update_stage(self: Any) -> tuple[int, dict[str, Any], str]:
        api_id = self.path.split("/")[-3]
        stage = self.apigatewayv2_backend.get_stage(api_id, unquote(self.path.split("/")[-1]))
        for field, attribute in _FIELDS.items():
            if field in (body := json.loads(self.body or "{}")):
                setattr(stage, attribute, body[field])
        stage.updated = datetime.now()
        return 200, {}, json.dumps(stage.to_json())

    ApiGatewayV2Response.update_stage = update_stage
