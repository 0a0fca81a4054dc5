"""The server's refusals (server/errors.py): a status, a machine kind and one sentence, in OpenAI's
error shape; ``/asr`` adds its legacy fields with the status as ``code`` (never 0)."""

from __future__ import annotations

import json

from dictate_app.errors import DictateError
from dictate_app.server.errors import (
    KIND_BY_STATUS, ApiError, BadRequest, Busy, ClientGone, Forbidden, InternalError, Timeout, TooLarge,
    Unauthorized, UnsupportedType, error_body, error_json,
)


def test_each_refusal_has_its_status_and_kind():
    kinds = {cls: (cls.status, cls.kind) for cls in (BadRequest, TooLarge, Unauthorized, Forbidden,
                                                     UnsupportedType, Busy, Timeout, ClientGone, InternalError)}
    assert kinds[BadRequest] == (400, "bad_request") and kinds[Busy] == (503, "busy")
    assert kinds[ClientGone] == (499, "client_gone") and kinds[InternalError] == (500, "internal")
    assert all(issubclass(cls, ApiError) and issubclass(cls, DictateError) for cls in kinds)
    assert all(KIND_BY_STATUS[status] == kind for status, kind in kinds.values())


def test_headers_tell_the_client_what_to_do_next():
    assert Unauthorized("no token").headers == {"WWW-Authenticate": "Bearer"}
    assert Busy("full", retry_after_s=0.2).headers == {"Retry-After": "1"}  # at least a second
    assert Busy("full", retry_after_s=2.1).retry_after_s == 3
    assert BadRequest("bad").headers == {}


def test_an_unexpected_exception_is_named_not_dumped():
    error = InternalError.unexpected(ZeroDivisionError("division by zero"))
    assert error.message == "the server failed on this request (ZeroDivisionError); it is still running"


def test_bodies_are_openais_shape_plus_asrs_legacy_fields():
    assert error_body(413, "too large") == {
        "error": {"message": "too large", "type": "too_large", "param": None, "code": 413}}
    legacy = error_body(401, "no token", legacy=True)
    assert (legacy["code"], legacy["msg"], legacy["res"]) == (401, "no token", "")
    assert legacy["error"]["type"] == "unauthorized"
    assert error_body(418, "teapot")["error"]["type"] == "error"  # a status we never name
    assert error_body(400, "x", kind="custom")["error"]["type"] == "custom"
    assert json.loads(error_json(503, "busy", legacy=True)) == error_body(503, "busy", legacy=True)
