"""The bounded parse/decode stage: admission by count and by body bytes, 503 + Retry-After when
full, its own threads; and through the API, a full stage refusing before a byte of the body is read."""

from __future__ import annotations

import asyncio
import base64
import threading
import time

import pytest
from starlette.testclient import TestClient

from dictate_app.server import app as app_module
from dictate_app.server.app import create_app
from dictate_app.server.errors import Busy
from dictate_app.server.intake import Intake
from dictate_app.server.settings import ServerSettings
from testkit.server.harness import wav_bytes
from tests.server.conftest import BASE_URL, AsgiCall


def test_admission_is_bounded_by_count_and_by_bytes():
    intake = Intake(max_requests=2, max_bytes=1000, threads=1)
    try:
        first = intake.admit(400)
        second = intake.admit(500)
        with pytest.raises(Busy, match="busy reading and decoding 2 other requests") as full:
            intake.admit(1)
        assert int(full.value.headers["Retry-After"]) >= 1
        first.release()
        first.release()  # idempotent
        assert intake.held == (1, 500)
        with pytest.raises(Busy):
            intake.admit(600)  # 500 + 600 bytes would not fit
        third = intake.admit(500)
        assert intake.held == (2, 1000)
        second.release()
        third.release()
        assert intake.held == (0, 0)
    finally:
        intake.shutdown()


def test_work_runs_on_the_stages_own_threads():
    intake = Intake(max_requests=4, max_bytes=10, threads=2)
    try:
        names = asyncio.run(_names(intake))
        assert names and all(name.startswith("dictate-decode") for name in names)
    finally:
        intake.shutdown()


async def _names(intake: Intake) -> set[str]:
    calls = [intake.run(lambda: (time.sleep(0.05), threading.current_thread().name)[1]) for _ in range(4)]
    return set(await asyncio.gather(*calls))


def test_decoding_for_requests_runs_on_the_intake_threads(fake_engine, monkeypatch):
    threads = []
    real = app_module._decode_audio

    def recording(data, max_seconds):
        threads.append(threading.current_thread().name)
        return real(data, max_seconds)

    monkeypatch.setattr(app_module, "_decode_audio", recording)
    with TestClient(create_app(fake_engine, ServerSettings()), base_url=BASE_URL) as client:
        assert client.post("/asr", json={"wav": base64.b64encode(wav_bytes(0.3)).decode()}).status_code == 200
        upload = client.post("/v1/audio/transcriptions", files={"file": ("a.wav", wav_bytes(0.3))})
        assert upload.status_code == 200
    assert len(threads) == 2 and all(name.startswith("dictate-decode") for name in threads)


def test_a_full_stage_answers_503_at_once_and_recovers(fake_engine):
    # queue_size 1: one request may be in the stage. Hold one there with a body that stalls.
    app = create_app(fake_engine, ServerSettings(queue_size=1))
    payload = ('{"wav": "' + base64.b64encode(wav_bytes(0.3)).decode() + '"}').encode()
    with TestClient(app, base_url=BASE_URL) as client:  # runs the lifespan (the model thread)

        async def scenario():
            stalled = AsgiCall(app, "/asr")
            stalled.body(payload[:10], more=True)
            while app.app.state.intake.held[0] < 1:
                await asyncio.sleep(0.01)
            refused = AsgiCall(app, "/asr")
            refused.body(payload)
            await asyncio.wait_for(refused.task, 5)  # at once, not behind the stalled upload
            stalled.body(payload[10:])
            await asyncio.wait_for(stalled.task, 5)
            return refused, stalled

        refused, stalled = asyncio.run(scenario())
        assert refused.status == 503 and stalled.status == 200
        headers = dict(refused.sent[0]["headers"])
        assert int(headers[b"retry-after"]) >= 1
        assert b"busy reading and decoding 1 other requests" in refused.sent[1]["body"]
        assert client.post("/asr", json={"wav": base64.b64encode(wav_bytes(0.4)).decode()}).json()["res"] == "clip 400"
