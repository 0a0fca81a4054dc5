"""The ASGI guard in front of every route (server/guard.py), called directly with ASGI messages: the
token, the size limit before and while the body is read, the JSON 500, and what the metrics count.
(tests/server/test_app.py sees the same rules through HTTP.)"""

from __future__ import annotations

import asyncio
import json

from dictate_app.server.errors import TooLarge
from dictate_app.server.guard import ApiGuard


class Metrics:
    def __init__(self):
        self.seen: list[tuple] = []

    def observe_request(self, endpoint, status, seconds, error_kind=None):
        self.seen.append((endpoint, status, error_kind))


async def echo_length(scope, receive, send):
    """Reads the whole body and answers with its length."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


async def fails(scope, receive, send):
    raise RuntimeError("boom")


def call(guard, path="/asr", headers=(), chunks=(b"",)):
    scope = {"type": "http", "method": "POST", "path": path, "headers": list(headers)}
    pending = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent = []

    async def receive():
        return pending.pop(0)

    async def send(message):
        sent.append(message)

    asyncio.run(guard(scope, receive, send))
    status = sent[0]["status"]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return status, dict(sent[0]["headers"]), body


def test_a_token_is_required_except_on_open_paths():
    metrics = Metrics()
    guard = ApiGuard(echo_length, "s3cret", 1000, metrics)
    status, headers, body = call(guard, chunks=(b"abc",))
    assert status == 401 and headers[b"www-authenticate"] == b"Bearer"
    answer = json.loads(body)
    assert answer["code"] == 401 and "had no token" in answer["msg"]  # /asr: the legacy fields too
    assert call(guard, headers=[(b"authorization", b"Bearer wrong")])[0] == 401
    assert call(guard, headers=[(b"authorization", b"Bearer s3cret")], chunks=(b"abc",))[2] == b"3"
    assert call(guard, path="/health")[0] == 200
    assert metrics.seen == [("/asr", 401, "unauthorized"), ("/asr", 401, "unauthorized"), ("/asr", 200, None)]


def test_too_large_is_refused_from_the_length_or_while_streaming():
    guard = ApiGuard(echo_length, None, 10, Metrics())
    status, _, body = call(guard, path="/v1/audio/transcriptions", headers=[(b"content-length", b"2000000")])
    assert status == 413 and json.loads(body)["error"]["message"].startswith("the request is too large (2.0 MB)")
    caught = []

    async def reads_it_all(scope, receive, send):  # the app's error handler answers a TooLarge
        try:
            await echo_length(scope, receive, send)
        except TooLarge as exc:
            caught.append(exc.message)
            await send({"type": "http.response.start", "status": 413, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    streaming = ApiGuard(reads_it_all, None, 10, Metrics())  # chunked: no Content-Length to refuse
    assert call(streaming, chunks=(b"123456", b"789012"))[0] == 413
    assert caught == ["the request is too large (more); this server accepts at most 0.0 MB per request: "
                      "send shorter or compressed audio"]
    assert call(streaming, chunks=(b"12345", b"678"))[2] == b"8"


def test_an_escaping_exception_is_one_json_sentence_and_counted():
    metrics = Metrics()
    status, headers, body = call(ApiGuard(fails, None, 10, metrics), path="/v1/audio/transcriptions")
    assert status == 500 and headers[b"content-type"] == b"application/json"
    assert json.loads(body)["error"]["message"] == (
        "the server failed on this request (RuntimeError); it is still running")
    assert metrics.seen == [("/v1/audio/transcriptions", 500, "internal")]
