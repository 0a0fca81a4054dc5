"""ASGI middleware in front of every route: the browser rules (Host, Origin, CORS), the token, the
body-size limit, request metrics, and the last line of defence against a plain-text 500.

It sits outside FastAPI so that a refusal costs nothing: a foreign Host or Origin, a wrong token
or an oversized ``Content-Length`` is answered before a byte of the body is read. A body without a
length (chunked) is counted while it streams and cut off at the limit. An exception that escapes
the application becomes a JSON 500 (or, once an answer has started, a closed connection), never
uvicorn's text "Internal Server Error".
"""

from __future__ import annotations

import hmac
import logging
import time

from dictate_app.server.browser import BrowserPolicy
from dictate_app.server.errors import KIND_BY_STATUS, InternalError, TooLarge, error_json
from dictate_app.server.metrics import Metrics

log = logging.getLogger(__name__)

# Open to anyone who can connect: load-balancer health checks send no token, and the API docs
# reveal nothing but the routes.
OPEN_PATHS = ("/health", "/docs", "/openapi.json", "/docs/oauth2-redirect")
# Requests counted in the metrics (the work; not health checks or scrapes).
MEASURED_PATHS = ("/asr", "/v1/audio/transcriptions")


class ApiGuard:
    """Wraps an ASGI app; ``token`` None means no authentication (loopback only)."""

    def __init__(self, app, token: str | None, max_body_bytes: int, metrics: Metrics,
                 browser: BrowserPolicy | None = None) -> None:
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics
        self.browser = browser or BrowserPolicy(check_host=False)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        measured = path in MEASURED_PATHS
        started = time.perf_counter()
        status_seen: list[int] = []
        answered: list[bool] = []
        cors = self.browser.cors_headers(scope)

        async def send_recording(message) -> None:
            if message["type"] == "http.response.start":
                status_seen.append(message["status"])
                if cors:
                    message = {**message, "headers": [*message.get("headers", []), *cors]}
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                answered.append(True)
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                await _send_error(send_recording, path, *refusal)
            elif self.browser.is_preflight(scope):
                # Browsers send no credentials with a preflight: answer it before the token check.
                await send_recording({"type": "http.response.start", "status": 204,
                                      "headers": self.browser.preflight_headers()})
                await send_recording({"type": "http.response.body", "body": b""})
            else:
                await self.app(scope, self._limited(receive), send_recording)
        except Exception as exc:  # noqa: BLE001 - whatever escaped, the client gets one JSON sentence
            if answered:  # FastAPI's own handler already answered in JSON and re-raised for the log
                log.warning("%s failed: %s", path, exc, exc_info=log.isEnabledFor(logging.DEBUG))
                return
            if status_seen:
                raise  # half an answer is out: uvicorn closes the connection
            log.warning("%s failed: %s", path, exc, exc_info=log.isEnabledFor(logging.DEBUG))
            await _send_error(send_recording, path, 500, InternalError.unexpected(exc).message, {})
        finally:
            if measured:
                status = status_seen[0] if status_seen else 500
                kind = KIND_BY_STATUS.get(status, "error") if status >= 400 else None
                self.metrics.observe_request(path, status, time.perf_counter() - started, kind)

    def _refusal(self, scope) -> tuple[int, str, dict] | None:
        path = scope.get("path", "")
        headers = dict(scope.get("headers") or [])
        browser = self.browser.refusal(scope)
        if browser is not None:
            return *browser, {}
        if self.browser.is_preflight(scope):
            return None
        if self.token and path not in OPEN_PATHS:
            given = headers.get(b"authorization", b"").decode("latin-1")
            scheme, _, credential = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                credential.strip().encode("utf-8"), self.token.encode("utf-8")
            ):
                what = "a wrong token" if given else "no token"
                return 401, (f"this server needs 'Authorization: Bearer <token>' and the request had "
                             f"{what}; use the token the server was started with"), {"WWW-Authenticate": "Bearer"}
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return 413, self._too_large_message(int(length)), {}
        return None

    def _too_large_message(self, size: int | None = None) -> str:
        got = f"{size / 1e6:.1f} MB" if size is not None else "more"
        return (f"the request is too large ({got}); this server accepts at most "
                f"{self.max_body_bytes / 1e6:.1f} MB per request: send shorter or compressed audio")

    def _limited(self, receive):
        received = 0

        async def receive_limited():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise TooLarge(self._too_large_message())
            return message

        return receive_limited


async def _send_error(send, path: str, status: int, message: str, headers: dict) -> None:
    body = error_json(status, message, legacy=path == "/asr")
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
