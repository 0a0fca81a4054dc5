"""A small OpenAI-compatible language-model server on loopback, for the AI mode tests.

There is no language model in the test machine, so the tests run this instead: it implements
``GET /v1/models`` and ``POST /v1/chat/completions`` with and without ``"stream": true``
(server-sent events, ``data: {chunk}`` lines ending in ``data: [DONE]``, sent with chunked
transfer encoding as Ollama and OpenAI send them) and answers with a deterministic transform of
what it received: the text between ``<transcript>`` and ``</transcript>`` in the last user
message, upper-cased (:func:`transform`). Every request is recorded (:attr:`FakeLlm.requests`),
so a test asserts the exact request (model, messages, delimiters, placeholders filled).

Behaviours (:data:`BEHAVIOURS`, changed at any time with :meth:`FakeLlm.set`):
``ok``; ``slow`` (waits ``delay_s`` before answering, and ``chunk_delay_s`` between streamed
chunks); ``error`` (HTTP 500); ``garbage`` (200 with a body that is not JSON / not SSE JSON);
``empty`` (an answer with no text); ``long`` (the transform repeated 50 times); ``think`` (the
answer after a ``<think>...</think>`` block, as reasoning models send it); ``no_stream`` (one JSON
answer even when ``stream`` was asked for, as some proxies do); ``unknown_model``
(404 with Ollama's body for a model it does not have; a request for a model not in
:attr:`FakeLlm.models` gets it too); ``down`` (the port is closed: connections are refused).

In-process (fast tests): the ``fake_llm`` fixture in tests/conftest.py. As a process (the
desktop test): ``python -m testkit.fake_llm --port N --behaviour ok`` prints one line
``fake LLM listening on http://127.0.0.1:N/v1`` and serves until SIGTERM; its behaviour can be
changed over HTTP with ``POST /_fake/set`` (JSON ``{"behaviour": "slow", "delay_s": 8}``) and the
recorded requests read with ``GET /_fake/requests`` (``down`` cannot be set that way: stop the
process).
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BEHAVIOURS = ("ok", "slow", "error", "garbage", "empty", "long", "think", "no_stream", "unknown_model", "down")
DEFAULT_MODEL = "fake-model"
_TRANSCRIPT = re.compile(r"<transcript>(.*?)</transcript>", re.S)


def transform(messages: list) -> str:
    """The answer to ``messages``: the delimited transcript of the last user message upper-cased,
    or ``NO TRANSCRIPT`` when there is none (a prompt that forgot the delimiters shows in tests)."""
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    found = _TRANSCRIPT.search(str(users[-1].get("content", ""))) if users else None
    return found.group(1).strip().upper() if found else "NO TRANSCRIPT"


def _pieces(text: str) -> list[str]:
    """The answer in streamed pieces: one word (with its following space) per chunk."""
    return re.findall(r"\S+\s*", text) or [text]


class FakeLlm:
    """The server; :meth:`start` binds 127.0.0.1 (``port`` 0: a free one) and serves in a thread."""

    def __init__(self, port: int = 0, behaviour: str = "ok", delay_s: float = 3.0,
                 chunk_delay_s: float = 0.0, models: tuple[str, ...] = (DEFAULT_MODEL,)):
        self.port = port
        self.models = list(models)
        self.requests: list[dict] = []
        self.behaviour = "ok"
        self.delay_s = delay_s
        self.chunk_delay_s = chunk_delay_s
        self._server: ThreadingHTTPServer | None = None
        self._started = False
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.set(behaviour)

    @property
    def url(self) -> str:
        """The endpoint as the ``llm_url`` setting spells it."""
        return f"http://127.0.0.1:{self.port}/v1"

    def set(self, behaviour: str, delay_s: float | None = None, chunk_delay_s: float | None = None) -> None:
        """Change the behaviour (and delays); ``down`` closes the port, anything else reopens it."""
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}; one of {', '.join(BEHAVIOURS)}")
        self.behaviour = behaviour
        if delay_s is not None:
            self.delay_s = delay_s
        if chunk_delay_s is not None:
            self.chunk_delay_s = chunk_delay_s
        if behaviour == "down":
            self._close()
        elif self._started and self._server is None:
            self.start()

    def start(self) -> "FakeLlm":
        if self.behaviour == "down":
            if not self.port:  # a port nobody listens on: bind one, then let it go
                probe = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
                self.port = probe.server_address[1]
                probe.server_close()
            self._started = True  # set("ok") opens the port later
            return self
        self._stopping.clear()
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        server.daemon_threads = True
        server.block_on_close = False  # a slow answer in progress must not hold up stop()
        self._server = server
        self.port = server.server_address[1]
        self._started = True
        threading.Thread(target=server.serve_forever, args=(0.05,), name="fake-llm", daemon=True).start()
        return self

    def stop(self) -> None:
        self._close()
        self._started = False

    def _close(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in "slow"
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if the server is stopping meanwhile."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()

    def record(self, entry: dict) -> None:
        with self._lock:
            self.requests.append(entry)

    def chat_requests(self) -> list[dict]:
        """The bodies of every ``/v1/chat/completions`` request, oldest first."""
        return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]

    def __enter__(self) -> "FakeLlm":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _handler(fake: FakeLlm):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet in tests
            pass

        def _record(self, body) -> None:
            fake.record({"method": self.command, "path": self.path,
                         "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def _json(self, status: int, value) -> None:
            self._send(status, json.dumps(value).encode())

        def do_GET(self) -> None:
            self._record(None)
            if self.path == "/_fake/requests":
                return self._json(200, fake.requests)
            if self.path.rstrip("/") == "/v1/models":
                if fake.behaviour == "error":
                    return self._json(500, {"error": {"message": "internal error", "type": "api_error"}})
                if fake.behaviour == "garbage":
                    return self._send(200, b"<html>not json", "text/html")
                return self._json(200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in fake.models]})
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found_error"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8", "replace")
            try:
                body = json.loads(raw)
            except json.JSONDecodeError:
                body = raw
            self._record(body)
            if self.path == "/_fake/set" and isinstance(body, dict):
                try:
                    fake.set(str(body.get("behaviour", fake.behaviour)), body.get("delay_s"),
                             body.get("chunk_delay_s"))
                except ValueError as exc:
                    return self._json(400, {"error": str(exc)})
                return self._json(200, {"behaviour": fake.behaviour})
            if self.path.rstrip("/") != "/v1/chat/completions":
                return self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found_error"}})
            if not isinstance(body, dict):
                return self._json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            self._chat(body)

        def _chat(self, body: dict) -> None:
            behaviour, model = fake.behaviour, str(body.get("model", ""))
            if behaviour == "slow" and fake.wait(fake.delay_s):
                return
            if behaviour == "unknown_model" or model not in fake.models:
                # What Ollama's OpenAI-compatible endpoint answers for a model it has not pulled.
                return self._json(404, {"error": {"message": f'model "{model}" not found, try pulling it first',
                                                  "type": "api_error",
                                                  "param": None, "code": None}})
            if behaviour == "error":
                return self._json(500, {"error": {"message": "the model crashed", "type": "api_error"}})
            answer = transform(body.get("messages") or [])
            if behaviour == "empty":
                answer = ""
            elif behaviour == "long":
                answer = " ".join([answer] * 50)
            elif behaviour == "think":
                thoughts = "The user wants this rewritten, so I will rewrite it. " * 40  # longer than the answer
                answer = f"<think>\n{thoughts}\n</think>\n\n{answer}"
            if body.get("stream") and behaviour != "no_stream":
                return self._stream(model, answer, garbage=behaviour == "garbage")
            if behaviour == "garbage":
                return self._send(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
            self._json(200, {
                "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

        def _stream(self, model: str, answer: str, garbage: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True

            def chunk(delta: dict, finish: str | None = None) -> dict:
                return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

            events = [json.dumps(chunk({"role": "assistant", "content": ""}))]
            events += [json.dumps(chunk({"content": piece})) for piece in (_pieces(answer) if answer else [])]
            events += [json.dumps(chunk({}, "stop")), "[DONE]"]
            if garbage:
                events = ["{this is not json", "[DONE]"]
            try:
                for number, event in enumerate(events):
                    if number and fake.behaviour == "slow" and fake.wait(fake.chunk_delay_s):
                        return
                    data = f"data: {event}\n\n".encode()
                    self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
            except OSError:  # the client stopped reading (cancel, timeout): fine
                pass

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A fake OpenAI-compatible LLM server for Dictate's tests.")
    parser.add_argument("--port", type=int, default=0, help="0: a free port (printed)")
    parser.add_argument("--behaviour", choices=BEHAVIOURS, default="ok")
    parser.add_argument("--delay", type=float, default=3.0, help="seconds the slow behaviour waits")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between streamed chunks when slow")
    parser.add_argument("--model", action="append", default=None, help="a model it has (repeatable)")
    args = parser.parse_args(argv)
    fake = FakeLlm(args.port, args.behaviour, args.delay, args.chunk_delay,
                   tuple(args.model or (DEFAULT_MODEL,))).start()
    print(f"fake LLM listening on {fake.url}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(0.5):
        pass
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
