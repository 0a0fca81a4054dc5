"""RemoteEngine against a real uvicorn server on a loopback port (fake engine behind it: fast tier),
and load_engine's fallback to the local model when the server cannot be reached."""

from __future__ import annotations

import logging
import socket
import threading
import time

import numpy as np
import pytest

from dictate_app.engine.loader import load_engine
from dictate_app.engine.remote_backend import RemoteEngine, ServerError, ServerUnreachableError, normalise_url
from dictate_app.errors import BadAudioError
from dictate_app.server.app import create_app
from dictate_app.server.settings import ServerSettings
from tests.server.conftest import FakeEngine, ThreadServer


@pytest.fixture
def serve_fake():
    servers = []

    def start(engine=None, **settings) -> tuple[str, FakeEngine]:
        engine = engine or FakeEngine()
        servers.append(ThreadServer(create_app(engine, ServerSettings(**settings))))
        return servers[-1].url, engine

    yield start
    for server in servers:
        server.stop()


def free_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_remote_engine_returns_the_servers_transcript(serve_fake):
    url, fake = serve_fake()
    engine = RemoteEngine.connect(url)
    assert (engine.backend, engine.device) == ("remote", "cpu")
    assert engine.description == f"server {url} (fake on cpu)"
    # 48 kHz stereo int16 is converted to 16 kHz mono before it is sent.
    stereo = (np.ones((48000 * 3 // 4, 2)) * 1000).astype(np.int16)
    result = engine.transcribe(stereo, 48000, language="ja", itn=False)
    assert (result.text, result.language, result.emotion, result.events, result.itn) == (
        "clip 750", "ja", "NEUTRAL", ("Speech",), False)
    assert result.raw == "<|ja|><|NEUTRAL|><|Speech|><|woitn|>clip 750"
    assert result.duration_s == 0.75 and result.timings.model_ms == 2.0 and result.timings.total_ms > 0
    assert fake.calls == [[750]]


def test_bad_audio_fails_locally_with_the_local_message(serve_fake):
    engine = RemoteEngine.connect(serve_fake()[0])
    with pytest.raises(BadAudioError, match="at least 50 ms"):
        engine.transcribe(np.zeros(10, np.float32), 16000)
    with pytest.raises(BadAudioError, match="'de'"):
        engine.transcribe(np.zeros(16000, np.float32), 16000, language="de")


def test_server_limits_come_back_as_bad_audio(serve_fake):
    engine = RemoteEngine.connect(serve_fake(max_seconds=1.0)[0])
    with pytest.raises(BadAudioError, match="the server refused the audio: the audio is 2.0 s long"):
        engine.transcribe(np.zeros(32000, np.float32), 16000)


def test_tokens(serve_fake, monkeypatch):
    url, _ = serve_fake(token="t0k")
    with pytest.raises(ServerError, match="refused the token"):
        RemoteEngine.connect(url)
    with pytest.raises(ServerError, match="refused the token"):
        RemoteEngine.connect(url, token="wrong")
    assert RemoteEngine.connect(url, token="t0k").transcribe(np.zeros(8000, np.float32), 16000).text == "clip 500"
    monkeypatch.setenv("DICTATE_SERVER_TOKEN", "t0k")
    assert RemoteEngine.connect(url).transcribe(np.zeros(4000, np.float32), 16000).text == "clip 250"


def test_a_busy_server_is_asked_again_after_retry_after(serve_fake):
    fake = FakeEngine()
    fake.gate = threading.Event()
    url, _ = serve_fake(fake, queue_size=1, max_batch=1)
    engine = RemoteEngine.connect(url)
    done = []
    first = threading.Thread(target=lambda: done.append(engine.transcribe(np.zeros(1600, np.float32), 16000)))
    second = threading.Thread(target=lambda: done.append(engine.transcribe(np.zeros(3200, np.float32), 16000)))
    first.start()
    time.sleep(0.3)
    second.start()
    time.sleep(0.3)
    # The model holds clip 1, clip 2 fills the queue: clip 3 is told to come back (503).
    third = threading.Thread(target=lambda: done.append(engine.transcribe(np.zeros(4800, np.float32), 16000)))
    third.start()
    time.sleep(0.5)
    fake.gate.set()
    for thread in (first, second, third):
        thread.join(15)
    assert sorted(t.text for t in done) == ["clip 100", "clip 200", "clip 300"]


def test_unreachable_server(tmp_path):
    url = free_port_url()
    with pytest.raises(ServerUnreachableError, match="cannot be reached .*dictate-app serve"):
        RemoteEngine.connect(url)
    with pytest.raises(ServerUnreachableError):
        load_engine(tmp_path / "no-model", server=url)


def test_not_a_url():
    assert normalise_url("gpu-box:2002/") == "http://gpu-box:2002"
    with pytest.raises(ServerError, match="not a server URL"):
        normalise_url("ftp://x")


@pytest.mark.slow
def test_unreachable_server_falls_back_to_the_local_model(tiny_model_dir, caplog):
    url = free_port_url()
    with caplog.at_level(logging.WARNING, logger="dictate_app.engine.loader"):
        engine = load_engine(tiny_model_dir, device="cpu", server=url)
    assert engine.backend == "funasr"
    assert f"the Dictate server at {url} cannot be reached" in caplog.text
    assert f"using the local model in {tiny_model_dir} instead" in caplog.text
