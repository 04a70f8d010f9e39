"""ListAnalyzers, CreateAnalyzer, GetAnalyzer, DeleteAnalyzer (REST-JSON, parsed and serialized by moto
from the botocore model)."""

from __future__ import annotations

from moto.core.responses import ActionResult, BaseResponse, EmptyResult

from .models import AccessAnalyzerBackend, accessanalyzer_backends

_PAGE = 100


class AccessAnalyzerResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name="accessanalyzer")
        self.automated_parameter_parsing = True

    @property
    def backend(self) -> AccessAnalyzerBackend:
        return accessanalyzer_backends[self.current_account][self.region]

    def create_analyzer(self) -> ActionResult:
        params = self._get_params()
        analyzer = self.backend.create_analyzer(
            params.get("analyzerName"),
            params.get("type"),
            tags=params.get("tags"),
            configuration=params.get("configuration"),
            archive_rules=params.get("archiveRules"),
        )
        return ActionResult({"arn": analyzer.arn})

    def get_analyzer(self) -> ActionResult:
        analyzer = self.backend.get_analyzer(self._get_param("analyzerName"))
        return ActionResult({"analyzer": analyzer.to_dict()})

    def list_analyzers(self) -> ActionResult:
        """Pages of `maxResults` (default 100), so paginating clients are exercised."""
        found = self.backend.list_analyzers(self._get_param("type"))
        start = int(self._get_param("nextToken") or 0)
        size = int(self._get_param("maxResults") or _PAGE)
        page = found[start : start + size]
        result = {"analyzers": [a.to_dict() for a in page]}
        if start + size < len(found):
            result["nextToken"] = str(start + size)
        return ActionResult(result)

    def delete_analyzer(self) -> ActionResult:
        self.backend.delete_analyzer(self._get_param("analyzerName"))
        return EmptyResult()
