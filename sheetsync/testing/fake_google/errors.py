"""Google-shaped API errors raised by the fake's handlers."""

from __future__ import annotations

import json
from typing import Any

STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    410: "NOT_FOUND",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

DEFAULT_REASONS: dict[int, str] = {
    400: "badRequest",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    409: "duplicate",
    410: "deleted",
    412: "conditionNotMet",
    429: "rateLimitExceeded",
    500: "backendError",
    501: "notImplemented",
    502: "backendError",
    503: "backendError",
    504: "backendError",
}

DEFAULT_MESSAGES: dict[int, str] = {
    400: "Bad Request",
    401: (
        "Request had invalid authentication credentials. Expected OAuth 2 access token,"
        " login cookie or other valid authentication credential. See"
        " https://developers.google.com/identity/sign-in/web/devconsole-project."
    ),
    403: "The caller does not have permission",
    404: "Not Found",
    409: "The requested identifier already exists.",
    410: "Resource has been deleted",
    429: "Rate Limit Exceeded",
    500: "Internal error encountered.",
    502: "Bad Gateway",
    503: "The service is currently unavailable.",
    504: "Deadline exceeded.",
}

REASON_PHRASES: dict[int, str] = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


# APIs served by Google's newer front end answer without the legacy "errors" list: the
# recorded Sheets 400 has only code/message/status/details, and a Sheets 429 carries its
# reason in a google.rpc.ErrorInfo detail ("RATE_LIMIT_EXCEEDED"; Sage-Bionetworks/
# data_curator#110, asweigart/ezsheets#8). Calendar, Gmail and Drive keep "errors".
NO_ERRORS_LIST = frozenset({"sheets"})
ERROR_INFO_REASONS = {
    "rateLimitExceeded": "RATE_LIMIT_EXCEEDED",
    "userRateLimitExceeded": "RATE_LIMIT_EXCEEDED",
    "quotaExceeded": "RATE_LIMIT_EXCEEDED",
    "dailyLimitExceeded": "RATE_LIMIT_EXCEEDED",
    "insufficientPermissions": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
}


class ApiError(Exception):
    """An error the fake answers with, rendered like Google's JSON error body.

    ``{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}``
    plus ``details`` when given; for Sheets without ``errors`` (see ``NO_ERRORS_LIST``).
    """

    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        reason: str | None = None,
        status: str | None = None,
        domain: str = "global",
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.message = message if message is not None else DEFAULT_MESSAGES.get(code, "Error")
        self.reason = reason or DEFAULT_REASONS.get(code, "unknown")
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")
        self.domain = domain
        self.details = details
        self.headers = dict(headers or {})
        super().__init__(f"{code} {self.status}: {self.message}")

    def body(self, api: str | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        details = list(self.details or [])
        if api in NO_ERRORS_LIST:
            info = ERROR_INFO_REASONS.get(self.reason)
            if self.code == 429 and info is None:
                info = "RATE_LIMIT_EXCEEDED"
            if info and not any("ErrorInfo" in d.get("@type", "") for d in details):
                details.append({
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": info,
                    "domain": "googleapis.com",
                    "metadata": {"service": f"{api}.googleapis.com", "consumer": "projects/0"},
                })
        else:
            error["errors"] = [
                {"message": self.message, "domain": self.domain, "reason": self.reason}
            ]
        error["status"] = self.status
        if details:
            error["details"] = details
        return {"error": error}

    def to_bytes(self, api: str | None = None) -> bytes:
        return json.dumps(self.body(api), indent=2).encode("utf-8")


def bad_request(message: str, field: str | None = None, reason: str = "badRequest") -> ApiError:
    """A 400 INVALID_ARGUMENT; with ``field`` it carries a BadRequest field violation."""
    details = None
    if field is not None:
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field, "description": message}],
            }
        ]
    return ApiError(400, message, reason=reason, details=details)


def not_found(message: str = "Requested entity was not found.") -> ApiError:
    return ApiError(404, message, reason="notFound")


class FakeTimeout(Exception):
    """Raised inside the fake when a fault asks for a timeout; transports translate it."""
