"""Access Analyzer errors, with the extra members its model requires (resourceId, resourceType, reason)."""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class ResourceNotFoundException(ServiceException):
    code = "ResourceNotFoundException"

    def __init__(self, name: str) -> None:
        super().__init__(f"Analyzer {name} not found.")
        self.resourceId = name
        self.resourceType = "AWS::AccessAnalyzer::Analyzer"


class ConflictException(ServiceException):
    code = "ConflictException"

    def __init__(self, name: str) -> None:
        super().__init__(f"An analyzer named {name} already exists.")
        self.resourceId = name
        self.resourceType = "AWS::AccessAnalyzer::Analyzer"


class ServiceQuotaExceededException(ServiceException):
    code = "ServiceQuotaExceededException"

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.resourceId = name
        self.resourceType = "AWS::AccessAnalyzer::Analyzer"


class ValidationException(ServiceException):
    code = "ValidationException"

    def __init__(self, message: str, reason: str = "other") -> None:
        super().__init__(message)
        self.reason = reason
