"""Fixtures and fakes of the server tests: a fake engine at the engine seam (fast tier only),
TestClients of the app on it, one ASGI request driven piece by piece, uvicorn in a thread on a
loopback port (fast tier), and the 50 phrases spoken once per session (slow tier). The real
``dictate-app serve`` process and what drives it are in testkit/server/harness.py."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from dictate_app.engine.result import Timings, Transcript
from testkit.server.harness import speak, spoken_phrases


class FakeEngine:
    """Stands in for the model in fast tests: the "text" is the clip's length in milliseconds,
    so a test can tell which answer belongs to which request. ``gate`` (an Event) holds every
    pass until set (``entered`` is set when a pass reaches it); ``fail_on_ms`` makes clips of that
    length raise."""

    backend = "fake"
    device = "cpu"

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.gate: threading.Event | None = None
        self.entered = threading.Event()
        self.fail_on_ms: int | None = None
        self.lock = threading.Lock()

    def _one(self, samples, rate, language, itn) -> Transcript:
        ms = round(len(samples) / rate * 1000)
        if ms == self.fail_on_ms:
            raise RuntimeError("the fake model failed on purpose")
        lang = "en" if language == "auto" else language
        raw = f"<|{lang}|><|NEUTRAL|><|Speech|><|{'withitn' if itn else 'woitn'}|>clip {ms}"
        return Transcript(f"clip {ms}", lang, "NEUTRAL", ("Speech",), itn, raw, len(samples) / rate,
                          Timings(1.0, 2.0, 3.0))

    def transcribe(self, samples, sample_rate, language="auto", itn=True) -> Transcript:
        return self.transcribe_batch([(samples, sample_rate)], language, itn)[0]

    def transcribe_batch(self, items, language="auto", itn=True) -> list[Transcript]:
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(10)
        with self.lock:
            self.calls.append([round(len(s) / r * 1000) for s, r in items])
        return [self._one(s, r, language, itn) for s, r in items]


@pytest.fixture
def fake_engine() -> FakeEngine:
    return FakeEngine()


# How a local client addresses a loopback server on the default port (the Host check is on).
BASE_URL = "http://127.0.0.1:2002"


@pytest.fixture
def client_for(fake_engine):
    """A factory: ``make(base_url=BASE_URL, **settings)`` -> a started TestClient of
    ``create_app(fake_engine, ServerSettings(**settings))``, closed after the test."""
    from starlette.testclient import TestClient

    from dictate_app.server.app import create_app
    from dictate_app.server.settings import ServerSettings

    clients = []

    def make(base_url: str = BASE_URL, **settings) -> TestClient:
        client = TestClient(create_app(fake_engine, ServerSettings(**settings)), base_url=base_url,
                            raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


class AsgiCall:
    """One request straight into an ASGI app, with the test in charge of when each piece of the body
    arrives and of the client going away (TestClient can do neither). Create it inside a running
    event loop; the app's lifespan must already run (a TestClient context does that)."""

    def __init__(self, app, path: str, content_type: str = "application/json", host: str = "127.0.0.1:2002") -> None:
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.gone = False
        self.sent: list[dict] = []
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
            "headers": [(b"host", host.encode()), (b"content-type", content_type.encode())],
            "server": ("127.0.0.1", int(host.rsplit(":", 1)[1])), "client": ("127.0.0.1", 50000),
        }
        self.task = asyncio.ensure_future(app(scope, self._receive, self._send))

    def body(self, data: bytes, more: bool = False) -> None:
        self.inbox.put_nowait({"type": "http.request", "body": data, "more_body": more})

    def disconnect(self) -> None:
        self.inbox.put_nowait({"type": "http.disconnect"})

    @property
    def status(self) -> int | None:
        return next((m["status"] for m in self.sent if m["type"] == "http.response.start"), None)

    async def _receive(self) -> dict:
        if self.gone:
            return {"type": "http.disconnect"}
        message = await self.inbox.get()
        self.gone = message["type"] == "http.disconnect"
        return message

    async def _send(self, message: dict) -> None:
        self.sent.append(message)


class ThreadServer:
    """uvicorn serving an app on 127.0.0.1:<free port> in a thread; with ``limits``, on the guarded
    protocol ``dictate-app serve`` uses."""

    def __init__(self, app, limits=None) -> None:
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        extra = {}
        if limits is not None:
            from dictate_app.server.protocol import protocol_class

            extra["http"] = protocol_class(limits)
        self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on", **extra))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.server.started

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="session")
def phrase_audio() -> list[tuple[str, str, bytes]]:
    """(language, expected text, WAV bytes) for each of the 50 phrases, synthesized once."""
    from concurrent.futures import ThreadPoolExecutor

    phrases = spoken_phrases()
    with ThreadPoolExecutor(2) as pool:
        audio = list(pool.map(lambda p: speak(p[0], p[1], p[3]), phrases))
    return [(lang, expected, wav) for (_, lang, expected, _), wav in zip(phrases, audio)]
