"""The HTTP API: ``/asr`` (the write-up's shape), ``/v1/audio/transcriptions`` (OpenAI's),
``/v1/models``, ``/health`` and ``/metrics``.

Handlers never run the model or decode audio on the event loop. A request to a transcription
route passes three bounded stages, each refusing at once (503 + Retry-After) when full: the
:class:`Intake` (its body is read, its JSON, base64 and audio decoded on the intake's own
threads), the :class:`InferenceWorker`'s queue, and the model. Bodies come only in the route's own
Content-Type (415 otherwise), so a web page cannot post a form or ``text/plain`` to the API. A
request whose client goes away while it waits is withdrawn from the queue, and one whose audio
cannot reach the model before its deadline gets 504. Audio is decoded from memory; nothing is
written to a shared file. Every refusal is an HTTP status with a JSON sentence
(:mod:`dictate_app.server.errors`), and no request can stop the server from answering the next.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import re
import time

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from dictate_app import __version__
from dictate_app.audio.files import AudioTooLongError, decode_bytes
from dictate_app.engine.base import Engine, check_language
from dictate_app.engine.result import Transcript
from dictate_app.errors import BadAudioError
from dictate_app.net import is_loopback
from dictate_app.server import shapes
from dictate_app.server.browser import BrowserPolicy
from dictate_app.server.errors import (ApiError, BadRequest, ClientGone, InternalError, Timeout, TooLarge,
                                       UnsupportedType, error_body)
from dictate_app.server.guard import ApiGuard
from dictate_app.server.intake import Intake
from dictate_app.server.metrics import Metrics
from dictate_app.server.settings import MODEL_NAME, ServerSettings
from dictate_app.server.worker import InferenceWorker

log = logging.getLogger(__name__)

RESPONSE_FORMATS = ("json", "text", "verbose_json")
_DATA_URL = re.compile(r"^data:[^,]*;base64,", re.IGNORECASE)
# An /asr body is one object with a few members; its size is the base64 string, which holds none
# of the characters that open containers or separate members. Counting them bounds what
# json.loads builds before it runs: 30 MB of `[]` made ten million lists (+790 MB), and 200,000
# levels of nesting raised RecursionError (a plain-text 500).
MAX_JSON_STRUCTURE = 256


def create_app(engine: Engine, settings: ServerSettings = ServerSettings()):
    """The ASGI application serving ``engine`` (already loaded) with ``settings``.

    The inference worker starts and stops with the application's lifespan.
    """
    metrics = Metrics()
    worker = InferenceWorker(
        engine, settings.queue_size, settings.max_batch, settings.batch_wait_ms / 1000, metrics.observe_batch
    )
    intake = Intake(settings.intake_requests, settings.intake_bytes, settings.decode_threads)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        worker.start()
        try:
            yield
        finally:
            intake.shutdown()
            await run_in_threadpool(worker.stop)

    api = FastAPI(title="Dictate speech server", version=__version__, lifespan=lifespan,
                  redoc_url=None)
    api.state.engine, api.state.worker, api.state.metrics, api.state.settings = engine, worker, metrics, settings
    api.state.intake = intake

    @api.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return _error_response(request, exc.status, exc.message, exc.kind, exc.headers)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        # Starlette's own refusals (404, 405, a malformed multipart body) in our JSON shape.
        return _error_response(request, exc.status_code, str(exc.detail), None, dict(exc.headers or {}))

    @api.exception_handler(ClientDisconnect)
    async def client_disconnect(request: Request, exc: ClientDisconnect):
        # The client left (or was cut off by the body timeout) while its body was being read.
        gone = ClientGone("the client closed the connection while sending the request")
        return _error_response(request, gone.status, gone.message, gone.kind, {})

    @api.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        # FastAPI would answer a plain-text "Internal Server Error"; the details go to the log.
        error = InternalError.unexpected(exc)
        return _error_response(request, error.status, error.message, error.kind, {})

    @api.post("/asr")
    async def asr(request: Request):
        """The write-up's API: ``{"wav": "<base64 audio file>"}`` -> ``{"code": 0, "msg": "ok",
        "res": "<text>"}``, plus language, emotion, events, the emoji display line and timings.
        Optional ``language`` (auto, zh, en, yue, ja, ko) and ``itn`` (true/false)."""
        deadline = time.monotonic() + settings.deadline_s
        _require_type(request, "application/json", "send the JSON body with 'Content-Type: application/json'")
        worker.check_capacity()
        ticket = intake.admit(_body_size(request, settings.max_body_bytes))
        try:
            raw = bytearray()
            async for chunk in request.stream():
                raw += chunk
            audio, language, itn = await intake.run(_asr_audio, raw, settings.max_seconds)
        finally:
            ticket.release()
        transcript = await _transcribe(request, audio, language, itn, deadline)
        return shapes.asr_body(transcript)

    @api.post("/v1/audio/transcriptions")
    async def transcriptions(request: Request):
        """OpenAI-compatible: multipart ``file``, ``model`` (any), ``language``, ``response_format``
        (json, text, verbose_json). ``prompt`` and ``temperature`` are accepted and ignored."""
        deadline = time.monotonic() + settings.deadline_s
        _require_type(request, "multipart/form-data",
                      "send the audio as the 'file' part of a multipart form (curl -F file=@talk.wav)")
        worker.check_capacity()
        ticket = intake.admit(_body_size(request, settings.max_body_bytes))
        try:
            form = await request.form(max_files=1, max_fields=16)
            try:
                upload = form.get("file")
                if not isinstance(upload, UploadFile):
                    raise BadRequest("the form needs a 'file' field holding the audio file")
                language = _language(str(form.get("language") or "auto"))
                response_format = str(form.get("response_format") or "json")
                if response_format not in RESPONSE_FORMATS:
                    raise BadRequest(f"response_format {response_format!r} is not supported; use "
                                     f"{', '.join(RESPONSE_FORMATS)}")
                audio = await intake.run(_upload_audio, upload.file, settings.max_seconds)
            finally:
                await form.close()
        finally:
            ticket.release()
        transcript = await _transcribe(request, audio, language, True, deadline)
        if response_format == "text":
            return PlainTextResponse(transcript.text)
        if response_format == "verbose_json":
            return shapes.openai_verbose(transcript)
        return {"text": transcript.text}

    @api.get("/v1/models")
    async def models():
        """The one model this server runs, as OpenAI's model list."""
        return {"object": "list", "data": [{"id": MODEL_NAME, "object": "model", "created": 0,
                                            "owned_by": "dictate"}]}

    @api.get("/health")
    async def health():
        """Model loaded, backend, device, queue; 503 when the model thread is not running."""
        body = {
            "status": "ok" if worker.alive else "down",
            "model_loaded": worker.alive,
            "backend": getattr(engine, "backend", "unknown"),
            "device": getattr(engine, "device", "unknown"),
            "queue_depth": worker.depth,
            "queue_size": settings.queue_size,
            "max_batch": settings.max_batch,
            "version": __version__,
        }
        return JSONResponse(body, status_code=200 if worker.alive else 503)

    @api.get("/metrics")
    async def metrics_text():
        """Prometheus text format."""
        gauges = {
            "dictate_queue_depth": ("Requests waiting for the model.", worker.depth),
            "dictate_queue_size": ("Most requests that may wait for the model.", settings.queue_size),
            "dictate_model_loaded": ("1 while the model thread runs.", 1 if worker.alive else 0),
            "dictate_intake_requests": ("Requests being read or decoded.", intake.held[0]),
        }
        return Response(metrics.render(gauges), media_type="text/plain; version=0.0.4; charset=utf-8")

    async def _transcribe(request: Request, audio: np.ndarray, language: str, itn: bool,
                          deadline: float) -> Transcript:
        future = worker.submit(audio, language, itn, deadline)
        try:
            transcript = await _await_model(request, future, deadline)
        except (ApiError, BadAudioError):
            raise
        except Exception as exc:  # the model failed; this request gets 500, the next is served
            raise InternalError(f"transcription failed ({type(exc).__name__}: {str(exc)[:200]}); "
                                "the server is still running") from None
        metrics.observe_audio(transcript.duration_s)
        return transcript

    @api.exception_handler(BadAudioError)
    async def bad_audio(request: Request, exc: BadAudioError):
        return _error_response(request, 400, str(exc), "bad_audio", {})

    browser = BrowserPolicy(check_host=is_loopback(settings.host) and not settings.token,
                            allowed_origins=settings.allowed_origins)
    return ApiGuard(api, settings.token, settings.max_body_bytes, metrics, browser)


async def _await_model(request: Request, future, deadline: float) -> Transcript:
    """The model's answer to ``future``; withdraws the job (499) if the client goes away and
    (504) if it has not started by ``deadline``. A job already in the model is waited for."""
    answer = asyncio.wrap_future(future)
    gone = asyncio.ensure_future(_client_gone(request.receive))
    try:
        while True:
            timeout = None if future.running() else max(0.0, deadline - time.monotonic())
            done, _ = await asyncio.wait({answer, gone}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if answer in done:
                return answer.result()
            if gone in done:
                future.cancel()  # leaves the queue; a pass already running just finishes
                raise ClientGone("the client closed the connection before the answer")
            if future.cancel():
                raise Timeout("the request could not reach the model before its deadline; the server "
                              "is overloaded, try again later")
    finally:
        gone.cancel()
        if not answer.done():
            answer.cancel()


async def _client_gone(receive) -> None:
    """Returns when the client has closed the connection (the body is already read)."""
    while (await receive())["type"] != "http.disconnect":
        await asyncio.sleep(0.05)  # a server that answers at once with an empty body: do not spin


def _require_type(request: Request, media_type: str, how: str) -> None:
    given = request.headers.get("content-type", "")
    if given.split(";", 1)[0].strip().lower() != media_type:
        what = f"'{given}'" if given else "missing"
        raise UnsupportedType(f"{request.url.path} takes only {media_type} and this request's Content-Type "
                              f"was {what}; {how}")


def _body_size(request: Request, largest: int) -> int:
    """The body's declared length (the guard refused anything over ``largest``), else ``largest``."""
    length = request.headers.get("content-length", "")
    return int(length) if length.isdigit() else largest


def _error_response(request: Request, status: int, message: str, kind: str | None, headers: dict):
    body = error_body(status, message, kind, legacy=request.url.path == "/asr")
    return JSONResponse(body, status_code=status, headers=headers)


def _language(value: str) -> str:
    try:
        return check_language(value)
    except BadAudioError as exc:
        raise BadRequest(str(exc)) from None


def _asr_audio(raw: bytearray, max_seconds: float) -> tuple[np.ndarray, str, bool]:
    """``/asr``'s body -> (16 kHz audio, language, itn), on the intake's threads. The body is
    emptied once parsed, so it is not held while the audio is decoded."""
    data, language, itn = _parse_asr_request(raw)
    raw.clear()
    return _decode_audio(data, max_seconds), language, itn


def _upload_audio(file, max_seconds: float) -> np.ndarray:
    """The OpenAI route's uploaded file -> 16 kHz audio, on the intake's threads."""
    file.seek(0)
    return _decode_audio(file.read(), max_seconds)


def _parse_asr_request(raw: bytes | bytearray) -> tuple[bytes, str, bool]:
    """``/asr``'s JSON body -> (audio file bytes, language, itn); BadRequest on anything wrong."""
    if not raw:
        raise BadRequest('the request body is empty; send JSON like {"wav": "<base64 of an audio file>"}')
    structure = sum(raw.count(c) for c in (b"{", b"[", b",", b":"))
    if structure > MAX_JSON_STRUCTURE:
        raise BadRequest(f"the JSON body has {structure} brackets, commas and colons where /asr takes one "
                         'object of a few fields; send {"wav": "<base64 of an audio file>"}')
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest('the request body is not JSON; send {"wav": "<base64 of an audio file>"}') from None
    if not isinstance(body, dict) or not isinstance(body.get("wav"), str):
        raise BadRequest('the request needs a "wav" field holding the audio file in base64')
    itn = body.get("itn", True)
    if not isinstance(itn, bool):
        raise BadRequest('"itn" must be true or false')
    return decode_base64(body["wav"]), _language(str(body.get("language", "auto"))), itn


def decode_base64(text: str) -> bytes:
    """Strict base64 (line breaks and a ``data:...;base64,`` prefix allowed) -> bytes."""
    text = _DATA_URL.sub("", text.strip())
    compact = "".join(text.split())
    if not compact:
        raise BadRequest('the "wav" field is empty; put the audio file in it, base64-encoded')
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest('the "wav" field is not valid base64; encode the audio file\'s bytes with base64') from None


def _decode_audio(data: bytes, max_seconds: float) -> np.ndarray:
    """Audio file bytes -> 16 kHz mono float32, decoded in bounded blocks (runs in the thread pool)."""
    try:
        return decode_bytes(data, max_seconds)
    except AudioTooLongError as exc:
        raise TooLarge(str(exc)) from None
    except BadAudioError as exc:
        raise BadRequest(str(exc)) from None
