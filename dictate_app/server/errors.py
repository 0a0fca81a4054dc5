"""Errors the server answers with: an HTTP status and one sentence for the caller.

Every refusal is JSON in OpenAI's error shape, ``{"error": {"message", "type", "param", "code"}}``,
so the ``openai`` client raises its usual exceptions with our sentence. ``/asr`` answers add the
write-up's ``code``/``msg`` fields (``code`` is the HTTP status, never 0), so its client sees the
failure too; unlike the write-up, a failure is never an HTTP 200.
"""

from __future__ import annotations

import math

from dictate_app.errors import DictateError


class ApiError(DictateError):
    """A request the server refuses; ``status`` is the HTTP status, ``kind`` a short machine name."""

    status = 400
    kind = "bad_request"

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(ApiError):
    """Malformed request or unusable audio: bad JSON or base64, not audio, empty, too short."""


class TooLarge(ApiError):
    """Over the size or duration limit."""

    status = 413
    kind = "too_large"


class Unauthorized(ApiError):
    """Missing or wrong bearer token."""

    status = 401
    kind = "unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message, {"WWW-Authenticate": "Bearer"})


class Busy(ApiError):
    """The inference queue is full (or the server is stopping): come back after ``Retry-After``."""

    status = 503
    kind = "busy"

    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        self.retry_after_s = max(1, math.ceil(retry_after_s))
        super().__init__(message, {"Retry-After": str(self.retry_after_s)})


class InternalError(ApiError):
    """The model failed on audio that passed every check; the server keeps serving."""

    status = 500
    kind = "internal"


# Status -> kind for refusals that do not come from an ApiError (Starlette's 404, 405, ...).
KIND_BY_STATUS = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
                  413: "too_large", 422: "bad_request", 500: "internal", 503: "busy"}


def error_body(status: int, message: str, kind: str | None = None, legacy: bool = False) -> dict:
    """The JSON body of a refusal; ``legacy`` adds ``/asr``'s ``code``/``msg``/``res`` fields."""
    body: dict = {
        "error": {
            "message": message,
            "type": kind or KIND_BY_STATUS.get(status, "error"),
            "param": None,
            "code": status,
        }
    }
    if legacy:
        body = {"code": status, "msg": message, "res": "", **body}
    return body
