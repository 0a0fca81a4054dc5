"""A small OpenAI-compatible client on the standard library (``http.client``): chat completions
with and without streaming, and the model list.

Works with Ollama (``http://127.0.0.1:11434/v1``), llama.cpp's ``llama-server``
(``http://127.0.0.1:8080/v1``), LM Studio, vLLM and any OpenAI-compatible service. Streaming
reads the server-sent events (``data: {...}`` lines, ``data: [DONE]`` at the end) and calls
``on_delta`` per piece. Every failure is one :class:`LlmError` whose message is one sentence
with the fix. ``cancel`` (a :class:`threading.Event`) is checked between reads; each read waits at
most until ``deadline`` (a :func:`time.monotonic` value), so a silent server cannot hold a call.

The API key is never a setting: ``$DICTATE_LLM_API_KEY``, else the OS keyring (service
``dictate-app``, user = the endpoint's host name), else none (:func:`api_key_for`).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from dictate_app.net import is_loopback

ENV_API_KEY = "DICTATE_LLM_API_KEY"
KEYRING_SERVICE = "dictate-app"
START_HINT = ("start the model server (Ollama: `ollama serve`; llama.cpp: `llama-server -m MODEL.gguf "
              "--port 8080`) or correct the llm_url setting")
_MAX_BODY = 4 * 1024 * 1024  # an answer is text for one dictation; more is not a chat answer


class LlmError(Exception):
    """A language-model call failed; the message is one sentence saying why and what to do."""


class LlmTimeout(LlmError):
    """The endpoint did not answer (or finish answering) before the deadline."""


@dataclass(frozen=True)
class Endpoint:
    """Where the model is: ``url`` ends in ``/v1`` as OpenAI-compatible servers expect; ``model``
    "" means the first model the endpoint lists; ``api_key`` None means no Authorization header."""

    url: str
    model: str = ""
    api_key: str | None = field(default=None, repr=False)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or self.url


def api_key_for(url: str) -> str | None:
    """The API key for ``url``: ``$DICTATE_LLM_API_KEY``, else the keyring entry (service
    "dictate-app", user = the URL's host), else None. No keyring backend is not an error.

    The keyring is asked only for another computer's endpoint: a server on this one (Ollama,
    llama-server) needs no key, and a locked keyring may pop up an unlock prompt per lookup."""
    key = os.environ.get(ENV_API_KEY, "").strip()
    if key:
        return key
    if is_this_computer(url):
        return None
    try:
        import keyring  # lazily: a missing package or backend just means no key

        return keyring.get_password(KEYRING_SERVICE, urlsplit(url).hostname or "") or None
    except Exception:  # noqa: BLE001 - keyring raises its own types per backend; none is fatal here
        return None


def endpoint_for(url: str, model: str = "") -> Endpoint:
    """The :class:`Endpoint` for the ``llm_url``/``llm_model`` settings, with its API key."""
    return Endpoint(url, model, api_key_for(url))


def is_this_computer(url: str) -> bool:
    """True when ``url``'s host is this computer (``localhost``, 127.0.0.0/8, ::1)."""
    return is_loopback(urlsplit(url).hostname or "")


def where_text_goes(url: str) -> str:
    """The plain line for the settings: "Text is sent to 127.0.0.1 (this computer)." or
    "... to api.example.com (another computer)."."""
    host = urlsplit(url).hostname or url
    return f"Text is sent to {host} ({'this computer' if is_this_computer(url) else 'another computer'})."


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise socket.timeout("deadline")
    return left


class _Call:
    """One HTTP request to the endpoint, its errors turned into :class:`LlmError`."""

    def __init__(self, endpoint: Endpoint, deadline: float, cancel: threading.Event | None):
        self.endpoint, self.deadline, self.cancel = endpoint, deadline, cancel
        parts = urlsplit(endpoint.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LlmError(f"The language model address {endpoint.url!r} is not an http:// or https:// URL; "
                           "set llm_url like http://127.0.0.1:11434/v1.")
        self.parts = parts
        self.conn: http.client.HTTPConnection | None = None

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def open(self, method: str, path: str, body: dict | None) -> http.client.HTTPResponse:
        kind = http.client.HTTPSConnection if self.parts.scheme == "https" else http.client.HTTPConnection
        self.conn = kind(self.parts.hostname, self.parts.port, timeout=_remaining(self.deadline))
        headers = {"Accept": "application/json, text/event-stream", "User-Agent": "dictate-app"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.endpoint.api_key:
            headers["Authorization"] = f"Bearer {self.endpoint.api_key}"
        self.conn.request(method, self.parts.path.rstrip("/") + path, body=data, headers=headers)
        self._timeout()
        response = self.conn.getresponse()
        if response.status >= 400:
            self.http_error(response)
        return response

    def _timeout(self) -> None:
        if self.conn is not None and self.conn.sock is not None:
            self.conn.sock.settimeout(_remaining(self.deadline))

    def readline(self, response: http.client.HTTPResponse) -> bytes:
        self._timeout()
        return response.readline(_MAX_BODY)

    def read_all(self, response: http.client.HTTPResponse) -> bytes:
        self._timeout()
        return response.read(_MAX_BODY)

    def http_error(self, response: http.client.HTTPResponse) -> None:
        try:
            body = response.read(64 * 1024).decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            body = ""
        message = body.strip()
        try:
            parsed = json.loads(body)
            error = parsed.get("error", parsed) if isinstance(parsed, dict) else parsed
            message = str(error.get("message", error) if isinstance(error, dict) else error)
        except (json.JSONDecodeError, AttributeError):
            pass
        message = " ".join(message.split())[:160]
        url, model = self.endpoint.url, self.endpoint.model
        if response.status == 404 and "model" in message.lower():
            raise LlmError(f"The model '{model}' is not available at {url}; pull it "
                           f"(`ollama pull {model or 'MODEL'}`) or set llm_model to one that "
                           "`dictate-app modes models` lists.")
        if response.status == 404:
            raise LlmError(f"There is no OpenAI-compatible API at {url} (HTTP 404); set llm_url to the "
                           "server's /v1 address, e.g. http://127.0.0.1:11434/v1 for Ollama.")
        if response.status in (401, 403):
            raise LlmError(f"The language model at {url} refused the request (HTTP {response.status}); "
                           f"put its API key in ${ENV_API_KEY} or the keyring (service {KEYRING_SERVICE}, "
                           f"user {self.endpoint.host}).")
        raise LlmError(f"The language model at {url} answered HTTP {response.status}"
                       f"{f' ({message})' if message else ''}; check the model server's log.")

    def garbage(self, what: str) -> LlmError:
        return LlmError(f"The language model at {self.endpoint.url} sent {what} instead of an OpenAI-compatible "
                        "answer; check that llm_url is the server's OpenAI-compatible /v1 address.")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def _guarded(endpoint: Endpoint, deadline: float, cancel, work: Callable[[_Call], object]):
    """Run ``work`` with one call's errors (connection, timeout, protocol) as :class:`LlmError`."""
    call = _Call(endpoint, deadline, cancel)
    try:
        return work(call)
    except LlmError:
        raise
    except (socket.timeout, TimeoutError):
        raise LlmTimeout(f"The language model at {endpoint.url} did not answer in time; raise llm_timeout_s "
                       "or use a smaller, faster model.") from None
    except ssl.SSLError as exc:
        raise LlmError(f"The secure connection to {endpoint.url} failed ({getattr(exc, 'reason', None) or exc}); "
                       "check the https:// address and the server's certificate (a server on this computer "
                       "usually speaks http://).") from None
    except (ConnectionRefusedError, socket.gaierror) as exc:
        raise LlmError(f"Nothing answers at {endpoint.url} ({getattr(exc, 'strerror', None) or exc}); "
                       f"{START_HINT}.") from None
    except (OSError, http.client.HTTPException) as exc:
        raise LlmError(f"The connection to the language model at {endpoint.url} failed "
                       f"({type(exc).__name__}: {exc}); {START_HINT}.") from None
    finally:
        call.close()


def list_models(endpoint: Endpoint, *, timeout_s: float = 5.0, deadline: float | None = None,
                cancel: threading.Event | None = None) -> list[str]:
    """The model ids ``GET /v1/models`` lists, in its order."""
    deadline = deadline if deadline is not None else time.monotonic() + timeout_s

    def work(call: _Call) -> list[str]:
        raw = call.read_all(call.open("GET", "/models", None))
        try:
            data = json.loads(raw)["data"]
            return [str(item["id"]) for item in data]
        except (ValueError, KeyError, TypeError):
            raise call.garbage("a model list that is not JSON") from None

    return _guarded(endpoint, deadline, cancel, work)


def chat(endpoint: Endpoint, messages: list[dict], *, timeout_s: float = 5.0, deadline: float | None = None,
         stream: bool = True, on_delta: Callable[[str], None] | None = None,
         cancel: threading.Event | None = None) -> str:
    """The answer to ``messages`` (``POST /v1/chat/completions``), the whole text. With ``stream``
    each piece goes to ``on_delta`` as it arrives (an :class:`LlmError` it raises ends the call).
    Stops early (and returns what came) when ``cancel`` is set."""
    deadline = deadline if deadline is not None else time.monotonic() + timeout_s
    body = {"model": endpoint.model, "messages": messages, "stream": stream, "temperature": 0}

    def work(call: _Call) -> str:
        response = call.open("POST", "/chat/completions", body)
        # A server that ignores "stream" answers with one JSON body: read it as such.
        if not stream or (response.getheader("Content-Type") or "").startswith("application/json"):
            raw = call.read_all(response)
            try:
                text = str(json.loads(raw)["choices"][0]["message"]["content"] or "")
            except (ValueError, KeyError, IndexError, TypeError):
                raise call.garbage("an answer that is not JSON") from None
            if stream and text and on_delta is not None:
                on_delta(text)
            return text
        pieces: list[str] = []
        while not call.cancelled():
            line = call.readline(response)
            if not line:
                break
            line = line.strip()
            if not line.startswith(b"data:"):
                continue  # blank separators, ": keep-alive" comments, "event:" lines
            data = line[5:].strip()
            if data == b"[DONE]":
                break
            try:
                event = json.loads(data)
                if "error" in event:  # llama.cpp and vLLM report a failure inside the stream
                    error = event["error"]
                    raise LlmError(f"The language model at {endpoint.url} failed while answering "
                                   f"({error.get('message', error) if isinstance(error, dict) else error}); "
                                   "check the model server's log.")
                choices = event["choices"]
                piece = ((choices[0].get("delta") or {}).get("content") or "") if choices else ""
            except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                raise call.garbage("an event that is not JSON") from None
            if piece:
                pieces.append(piece)
                if on_delta is not None:
                    on_delta(piece)
        return "".join(pieces)

    return _guarded(endpoint, deadline, cancel, work)


class TooLong(LlmError):
    """The answer grew past the caller's bound (raised from ``on_delta`` to end a stream)."""

    def __init__(self, size: int):
        super().__init__(f"The answer grew past {size} characters")
        self.size = size
