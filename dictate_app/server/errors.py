"""Errors the server answers with: an HTTP status and one sentence for the caller.

Every refusal is JSON in OpenAI's error shape, ``{"error": {"message", "type", "param", "code"}}``,
so the ``openai`` client raises its usual exceptions with our sentence. ``/asr`` answers add the
write-up's ``code``/``msg`` fields (``code`` is the HTTP status, never 0), so its client sees the
failure too; unlike the write-up, a failure is never an HTTP 200.
"""

from __future__ import annotations

import json
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


class Forbidden(ApiError):
    """A request a browser may have been tricked into sending: a foreign Host or Origin."""

    status = 403
    kind = "forbidden"


class UnsupportedType(ApiError):
    """A body in a Content-Type the route does not take (a web form posting to the API)."""

    status = 415
    kind = "unsupported_media_type"


class Busy(ApiError):
    """The inference queue is full (or the server is stopping): come back after ``Retry-After``."""

    status = 503
    kind = "busy"

    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        self.retry_after_s = max(1, math.ceil(retry_after_s))
        super().__init__(message, {"Retry-After": str(self.retry_after_s)})


class Timeout(ApiError):
    """The request's audio could not reach the model before the request's deadline."""

    status = 504
    kind = "timeout"


class ClientGone(ApiError):
    """The client closed its connection before the answer (nginx's 499): nothing is sent, the
    metrics count it."""

    status = 499
    kind = "client_gone"


class InternalError(ApiError):
    """The model failed on audio that passed every check, or the server failed on a request; the
    server keeps serving."""

    status = 500
    kind = "internal"

    @classmethod
    def unexpected(cls, exc: BaseException) -> "InternalError":
        """The sentence for an exception nothing else handled (the details go to the log)."""
        return cls(f"the server failed on this request ({type(exc).__name__}); it is still running")


# Status -> kind for refusals that do not come from an ApiError (Starlette's 404, 405, ...).
KIND_BY_STATUS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                  405: "method_not_allowed", 408: "timeout", 413: "too_large", 415: "unsupported_media_type",
                  422: "bad_request", 499: "client_gone", 500: "internal", 503: "busy", 504: "timeout"}


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


def error_json(status: int, message: str, legacy: bool = False) -> bytes:
    """:func:`error_body` as the bytes of a response body."""
    return json.dumps(error_body(status, message, legacy=legacy)).encode("utf-8")
