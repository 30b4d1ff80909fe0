"""Build the exceptions gspread and google-api-python-client raise, without a network."""

from __future__ import annotations

import json
from typing import Any

import httplib2
import requests
from googleapiclient.errors import HttpError


def _error_body(status: int, reason: str = "", message: str = "boom",
                domain: str = "global", grpc: str = "") -> bytes:
    error: dict[str, Any] = {"code": status, "message": message}
    if reason:
        error["errors"] = [{"reason": reason, "domain": domain, "message": message}]
    if grpc:
        error["status"] = grpc
    return json.dumps({"error": error}).encode()


def http_error(status: int, reason: str = "", *, retry_after: str | None = None,
               message: str = "boom", domain: str = "global") -> HttpError:
    headers = {"status": str(status)}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    return HttpError(httplib2.Response(headers), _error_body(status, reason, message, domain))


def api_error(status: int, reason: str = "", *, retry_after: str | None = None,
              message: str = "boom", grpc: str = "") -> Exception:
    from gspread.exceptions import APIError

    response = requests.Response()
    response.status_code = status
    response._content = _error_body(status, reason, message, grpc=grpc)
    response.headers["Content-Type"] = "application/json"
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return APIError(response)
