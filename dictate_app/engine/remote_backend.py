"""An engine that sends audio to a Dictate server (``dictate-app serve``) instead of a local model.

It returns the same :class:`Transcript` as a local backend, so the tray app and ``transcribe``
work unchanged: the server answers ``POST /asr`` with the model's tagged output (``raw``) and we
parse it with the same :func:`parse_tagged` a local engine uses. Audio is checked and converted
here first (16 kHz mono, the model's input), so bad audio fails with the same message as locally
and the upload stays small: a float32 WAV of the model's input, 64 KB per second of speech (float,
not 16-bit, so the server's model sees exactly the samples a local one would).

Only the standard library talks HTTP, so using a server needs no extra package.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

import numpy as np

from dictate_app.audio.convert import MODEL_RATE, to_model_input
from dictate_app.engine.base import check_language
from dictate_app.engine.result import Timings, Transcript
from dictate_app.engine.tags import parse_tagged
from dictate_app.errors import BadAudioError, DictateError

log = logging.getLogger(__name__)

# Read by both sides: `serve` takes its token from here when --token is not given, clients too.
ENV_SERVER_TOKEN = "DICTATE_SERVER_TOKEN"
CONNECT_TIMEOUT_S = 3.0
# A busy server (503) is asked again after its Retry-After, for at most this long in total.
BUSY_PATIENCE_S = 5.0


class ServerError(DictateError):
    """The Dictate server refused or failed a request for a reason other than the audio."""


class ServerUnreachableError(ServerError):
    """No Dictate server answers at the URL (refused, timed out, no such host)."""


def normalise_url(url: str) -> str:
    """``host:port`` or ``http://host:port/`` -> ``http://host:port`` (no trailing slash)."""
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ServerError(f"{url!r} is not a server URL; use one like http://host:2002")
    return url.rstrip("/")


class RemoteEngine:
    """A Dictate server seen as an :class:`~dictate_app.engine.base.Engine`.

    Use :meth:`connect`, which checks that the server answers and accepts the token.
    ``backend`` is ``"remote"``; ``device`` is the server's device; :attr:`description` is a
    short line for the tray ("server http://gpu-box:2002 (funasr on cuda)").
    """

    backend = "remote"

    def __init__(self, url: str, token: str | None = None, timeout: float = 120.0, info: dict | None = None):
        self.url = normalise_url(url)
        self.token = token
        self.timeout = timeout
        self.info = info or {}
        self.device = str(self.info.get("device", "unknown"))

    @property
    def description(self) -> str:
        """Which server, and what runs behind it."""
        return f"server {self.url} ({self.info.get('backend', '?')} on {self.device})"

    @classmethod
    def connect(cls, url: str, token: str | None = None, timeout: float = 120.0) -> "RemoteEngine":
        """Check the server's health and the token; raise :class:`ServerUnreachableError` if no
        server answers, :class:`ServerError` if it answers but cannot be used."""
        token = token if token is not None else os.environ.get(ENV_SERVER_TOKEN) or None
        engine = cls(url, token, timeout)
        status, info, _ = engine._request("GET", "/health", timeout=CONNECT_TIMEOUT_S)
        if status != 200 or not isinstance(info, dict) or info.get("model_loaded") is not True:
            raise ServerError(
                f"the server at {engine.url} is not a ready Dictate server (HTTP {status}); "
                "check the URL, or wait until `dictate-app serve` has loaded its model"
            )
        engine.info = info
        engine.device = str(info.get("device", "unknown"))
        # /health is open to load balancers; an authenticated endpoint tells us the token works.
        status, body, _ = engine._request("GET", "/v1/models", timeout=CONNECT_TIMEOUT_S)
        if status != 200:
            raise engine._error(status, body)
        return engine

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str = "auto", itn: bool = True
    ) -> Transcript:
        """Send the audio to the server's ``/asr`` and return its :class:`Transcript`."""
        check_language(language)
        started = time.perf_counter()
        audio = to_model_input(samples, sample_rate)
        payload = {"wav": base64.b64encode(wav_bytes(audio)).decode("ascii"), "language": language, "itn": itn}
        deadline = started + BUSY_PATIENCE_S
        while True:
            status, body, headers = self._request("POST", "/asr", payload)
            if status != 503 or time.perf_counter() >= deadline:
                break
            wait = _retry_after(headers, default=1.0)
            log.info("the server is busy; asking again in %.1f s", wait)
            time.sleep(min(wait, max(0.0, deadline - time.perf_counter())))
        if status != 200 or not isinstance(body, dict) or body.get("code") != 0:
            raise self._error(status, body)
        server = body.get("timings") or {}
        timings = Timings(
            float(server.get("feature_ms", 0.0)),
            float(server.get("model_ms", 0.0)),
            (time.perf_counter() - started) * 1000,  # what the caller waited: network included
        )
        return parse_tagged(str(body.get("raw", "")), float(body.get("duration_s", audio.size / MODEL_RATE)), timings)

    # ---- HTTP ----------------------------------------------------------------------------------
    def _request(self, method: str, path: str, payload: dict | None = None, timeout: float | None = None):
        """-> (status, parsed JSON body or text, headers). Connection failures raise."""
        data = json.dumps(payload).encode("utf-8") if payload is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return response.status, _parse(response.read()), response.headers
        except urllib.error.HTTPError as exc:  # an answer, just not a 2xx one
            with exc:
                return exc.code, _parse(exc.read()), exc.headers
        except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ServerUnreachableError(
                f"the Dictate server at {self.url} cannot be reached ({reason}); "
                "start it with `dictate-app serve` or check the URL"
            ) from None

    def _error(self, status: int, body) -> DictateError:
        message = _message(body) or f"HTTP {status}"
        if status in (400, 413, 422):
            return BadAudioError(f"the server refused the audio: {message}")
        if status in (401, 403):
            return ServerError(
                f"the Dictate server at {self.url} refused the token ({message}); use the token it "
                f"was started with (--server-token or ${ENV_SERVER_TOKEN})"
            )
        if status == 503:
            return ServerError(f"the Dictate server at {self.url} is busy ({message}); try again in a moment")
        return ServerError(f"the Dictate server at {self.url} failed: {message}")


def wav_bytes(audio: np.ndarray, rate: int = MODEL_RATE) -> bytes:
    """Mono float32 audio as a float32 WAV file, in memory (lossless)."""
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, audio, rate, format="WAV", subtype="FLOAT")
    return buffer.getvalue()


def _parse(raw: bytes):
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return raw.decode("utf-8", "replace")


def _message(body) -> str:
    """The sentence out of our error shape ({"error": {"message": ...}}), or the text itself."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if body.get("msg"):
            return str(body["msg"])
        return ""
    return str(body).strip()[:200]


def _retry_after(headers, default: float) -> float:
    try:
        return max(0.0, float(headers.get("Retry-After", default)))
    except (TypeError, ValueError):
        return default
