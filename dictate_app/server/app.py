"""The HTTP API: ``/asr`` (the write-up's shape), ``/v1/audio/transcriptions`` (OpenAI's),
``/v1/models``, ``/health`` and ``/metrics``.

Handlers never run the model or decode audio on the event loop: JSON, base64 and audio decoding
go to the thread pool, inference to the :class:`InferenceWorker`. Audio is decoded from memory;
nothing is written to a shared file. Every refusal is an HTTP status with a JSON sentence
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

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from dictate_app import __version__
from dictate_app.audio.files import AudioTooLongError, decode_bytes
from dictate_app.engine.base import Engine, check_language
from dictate_app.engine.result import Transcript
from dictate_app.errors import BadAudioError
from dictate_app.server import shapes
from dictate_app.server.errors import ApiError, BadRequest, InternalError, TooLarge, error_body
from dictate_app.server.guard import ApiGuard
from dictate_app.server.metrics import Metrics
from dictate_app.server.settings import MODEL_NAME, ServerSettings
from dictate_app.server.worker import InferenceWorker

log = logging.getLogger(__name__)

RESPONSE_FORMATS = ("json", "text", "verbose_json")
_DATA_URL = re.compile(r"^data:[^,]*;base64,", re.IGNORECASE)


def create_app(engine: Engine, settings: ServerSettings = ServerSettings()):
    """The ASGI application serving ``engine`` (already loaded) with ``settings``.

    The inference worker starts and stops with the application's lifespan.
    """
    metrics = Metrics()
    worker = InferenceWorker(
        engine, settings.queue_size, settings.max_batch, settings.batch_wait_ms / 1000, metrics.observe_batch
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        worker.start()
        try:
            yield
        finally:
            await run_in_threadpool(worker.stop)

    api = FastAPI(title="Dictate speech server", version=__version__, lifespan=lifespan,
                  redoc_url=None)
    api.state.engine, api.state.worker, api.state.metrics, api.state.settings = engine, worker, metrics, settings

    @api.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return _error_response(request, exc.status, exc.message, exc.kind, exc.headers)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        # Starlette's own refusals (404, 405, a malformed multipart body) in our JSON shape.
        return _error_response(request, exc.status_code, str(exc.detail), None, dict(exc.headers or {}))

    @api.post("/asr")
    async def asr(request: Request):
        """The write-up's API: ``{"wav": "<base64 audio file>"}`` -> ``{"code": 0, "msg": "ok",
        "res": "<text>"}``, plus language, emotion, events, the emoji display line and timings.
        Optional ``language`` (auto, zh, en, yue, ja, ko) and ``itn`` (true/false)."""
        worker.check_capacity()
        raw = await request.body()
        data, language, itn = await run_in_threadpool(_parse_asr_request, raw)
        transcript = await _transcribe(data, language, itn)
        return shapes.asr_body(transcript)

    @api.post("/v1/audio/transcriptions")
    async def transcriptions(request: Request):
        """OpenAI-compatible: multipart ``file``, ``model`` (any), ``language``, ``response_format``
        (json, text, verbose_json). ``prompt`` and ``temperature`` are accepted and ignored."""
        worker.check_capacity()
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
            data = await upload.read()
        finally:
            await form.close()
        transcript = await _transcribe(data, language, True)
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
        }
        return Response(metrics.render(gauges), media_type="text/plain; version=0.0.4; charset=utf-8")

    async def _transcribe(data: bytes, language: str, itn: bool) -> Transcript:
        audio = await run_in_threadpool(_decode_audio, data, settings.max_seconds)
        future = worker.submit(audio, language, itn)
        try:
            transcript = await asyncio.wrap_future(future)
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

    return ApiGuard(api, settings.token, settings.max_body_bytes, metrics)


def _error_response(request: Request, status: int, message: str, kind: str | None, headers: dict):
    body = error_body(status, message, kind, legacy=request.url.path == "/asr")
    return JSONResponse(body, status_code=status, headers=headers)


def _language(value: str) -> str:
    try:
        return check_language(value)
    except BadAudioError as exc:
        raise BadRequest(str(exc)) from None


def _parse_asr_request(raw: bytes) -> tuple[bytes, str, bool]:
    """``/asr``'s JSON body -> (audio file bytes, language, itn); BadRequest on anything wrong."""
    if not raw:
        raise BadRequest('the request body is empty; send JSON like {"wav": "<base64 of an audio file>"}')
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
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
