"""The HTTP API in-process with a fake engine: shapes, every bad input, limits, auth, 503, recovery.

The model itself is exercised by ``test_serve.py`` (slow tier, real server, real model)."""

from __future__ import annotations

import base64
import threading
import time

import pytest
from starlette.testclient import TestClient

from dictate_app.server.app import create_app, decode_base64
from dictate_app.server.errors import BadRequest
from dictate_app.server.settings import ServerSettings
from testkit.server.harness import wav_bytes
from tests.server.conftest import BASE_URL


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@pytest.fixture
def client(client_for) -> TestClient:
    return client_for()


def assert_refused(response, status: int, *words: str, legacy: bool = False) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == status
    message = body["error"]["message"]
    for word in words:
        assert word in message
    if legacy:
        assert body["code"] == status and body["msg"] == message and body["res"] == ""
    return body


def test_asr_answers_in_the_write_ups_shape_plus_tags(client):
    response = client.post("/asr", json={"wav": b64(wav_bytes(1.25))})
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["msg"], body["res"]) == (0, "ok", "clip 1250")
    assert body["language"] == "en" and body["emotion"] == "NEUTRAL" and body["events"] == ["Speech"]
    assert body["display"] == "clip 1250" and body["itn"] is True
    assert body["raw"].startswith("<|en|>") and body["duration_s"] == 1.25


def test_asr_language_itn_and_any_format_rate_or_channels(client):
    response = client.post("/asr", json={"wav": b64(wav_bytes(0.5, 44100, fmt="FLAC", channels=2)),
                                         "language": "zh", "itn": False})
    body = response.json()
    assert (body["res"], body["language"], body["itn"]) == ("clip 500", "zh", False)
    mp3 = client.post("/asr", json={"wav": b64(wav_bytes(2.0, 22050, fmt="MP3"))})
    assert mp3.status_code == 200 and mp3.json()["duration_s"] == pytest.approx(2.0, abs=0.06)


def test_base64_with_line_breaks_or_a_data_url_is_accepted():
    data = wav_bytes(0.2)
    wrapped = "\n".join(b64(data)[i:i + 76] for i in range(0, len(b64(data)), 76))
    assert decode_base64(wrapped) == data
    assert decode_base64("data:audio/wav;base64," + b64(data)) == data
    with pytest.raises(BadRequest):
        decode_base64("data:audio/wav;base64,")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", ("body is empty",)),
        (b"{not json", ("not JSON",)),
        (b"[1, 2]", ('"wav" field',)),
        (b'{"audio": "abc"}', ('"wav" field',)),
        (b'{"wav": 12}', ('"wav" field',)),
        (b'{"wav": ""}', ("empty",)),
        (b'{"wav": "not base64 at all!"}', ("not valid base64",)),
        (b'{"wav": "' + base64.b64encode(b"just some text, no audio") + b'"}', ("not a readable audio file",)),
        (b'{"wav": "' + base64.b64encode(wav_bytes(0.0)) + b'"}', ("no audio samples",)),
        (b'{"wav": "' + base64.b64encode(wav_bytes(0.01)) + b'"}', ("10 ms long",)),
        (b'{"wav": "' + base64.b64encode(wav_bytes(0.5)) + b'", "language": "de"}', ("'de'",)),
        (b'{"wav": "' + base64.b64encode(wav_bytes(0.5)) + b'", "itn": "yes"}', ("itn",)),
    ],
)
def test_asr_bad_input_is_400_json_and_the_server_goes_on(client, body, words):
    response = client.post("/asr", content=body, headers={"content-type": "application/json"})
    assert_refused(response, 400, *words, legacy=True)
    assert client.post("/asr", json={"wav": b64(wav_bytes(0.3))}).json()["res"] == "clip 300"


def test_duration_over_the_limit_is_413_before_decoding(client_for):
    client = client_for(max_seconds=2.0)
    assert_refused(client.post("/asr", json={"wav": b64(wav_bytes(2.5))}), 413, "2.5 s", "at most 2 s", legacy=True)
    assert client.post("/asr", json={"wav": b64(wav_bytes(1.5))}).status_code == 200


def test_size_over_the_limit_is_413_from_the_header_or_while_streaming(client_for):
    client = client_for(max_bytes=100_000)  # body limit: 4/3 of that + 64 KiB
    big = b64(wav_bytes(8.0))  # 256 KB of WAV
    assert_refused(client.post("/asr", json={"wav": big}), 413, "too large", legacy=True)

    def chunks():  # no Content-Length: counted while it streams
        payload = ('{"wav": "' + big + '"}').encode()
        for i in range(0, len(payload), 65536):
            yield payload[i:i + 65536]

    streamed = client.post("/asr", content=chunks(), headers={"content-type": "application/json"})
    assert_refused(streamed, 413, "too large", legacy=True)
    upload = client.post("/v1/audio/transcriptions", files={"file": ("a.wav", wav_bytes(8.0))})
    assert_refused(upload, 413, "too large")
    assert client.post("/asr", json={"wav": b64(wav_bytes(1.0))}).status_code == 200


def test_openai_endpoint_formats(client):
    files = {"file": ("speech.wav", wav_bytes(0.75), "audio/wav")}
    assert client.post("/v1/audio/transcriptions", files=files, data={"model": "whisper-1"}).json() == {"text": "clip 750"}
    text = client.post("/v1/audio/transcriptions", files=files, data={"response_format": "text"})
    assert text.status_code == 200 and text.text == "clip 750" and text.headers["content-type"].startswith("text/plain")
    verbose = client.post("/v1/audio/transcriptions", files=files,
                          data={"response_format": "verbose_json", "language": "ko"}).json()
    assert verbose["language"] == "korean" and verbose["duration"] == 0.75 and verbose["text"] == "clip 750"
    assert verbose["segments"][0]["start"] == 0.0 and verbose["segments"][0]["end"] == 0.75
    assert verbose["emotion"] == "NEUTRAL" and verbose["events"] == ["Speech"]


@pytest.mark.parametrize(
    ("files", "data", "words"),
    [
        ({"notes": ("a.txt", b"no audio here")}, {"model": "x"}, ("'file' field",)),
        ({"file": ("a.txt", b"hello there")}, {}, ("not a readable audio file",)),
        ({"file": ("a.wav", b"")}, {}, ("empty",)),
        ({"file": ("a.wav", wav_bytes(0.5))}, {"response_format": "srt"}, ("'srt'",)),
        ({"file": ("a.wav", wav_bytes(0.5))}, {"language": "fr"}, ("'fr'",)),
    ],
)
def test_openai_bad_input_is_400_in_openais_error_shape(client, files, data, words):
    response = client.post("/v1/audio/transcriptions", files=files, data=data)
    body = assert_refused(response, 400, *words)
    assert "code" not in {k for k in body if k != "error"}  # no /asr legacy fields here
    assert client.post("/v1/audio/transcriptions", files={"file": ("a.wav", wav_bytes(0.4))}).status_code == 200


def test_unknown_routes_and_methods_answer_json(client):
    assert_refused(client.get("/nowhere"), 404, "Not Found")
    assert_refused(client.get("/asr"), 405)


def test_a_token_guards_everything_but_health(client_for):
    client = client_for(token="s3cret")
    request = {"json": {"wav": b64(wav_bytes(0.5))}}
    assert_refused(client.post("/asr", **request), 401, "no token", legacy=True)
    wrong = client.post("/asr", headers={"Authorization": "Bearer nope"}, **request)
    assert_refused(wrong, 401, "wrong token", legacy=True)
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert_refused(client.get("/metrics"), 401)
    assert_refused(client.get("/v1/models"), 401)
    ok = client.post("/asr", headers={"Authorization": "Bearer s3cret"}, **request)
    assert ok.status_code == 200 and ok.json()["res"] == "clip 500"
    assert client.get("/health").status_code == 200


def test_a_full_queue_answers_503_with_retry_after_and_recovers(client_for, fake_engine):
    client = client_for(queue_size=2, max_batch=1)
    fake_engine.gate = threading.Event()
    results: list = []

    def post(seconds):
        results.append(client.post("/asr", json={"wav": b64(wav_bytes(seconds))}))

    # One clip in the model (held at the gate), two waiting: the queue is full.
    threads = [threading.Thread(target=post, args=(s,)) for s in (0.1, 0.2, 0.3)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)  # keep their order
    deadline = time.monotonic() + 10
    while client.get("/health").json()["queue_depth"] < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    refused = client.post("/asr", json={"wav": b64(wav_bytes(0.4))})
    assert_refused(refused, 503, "busy", legacy=True)
    assert int(refused.headers["retry-after"]) >= 1
    fake_engine.gate.set()
    for thread in threads:
        thread.join(10)
    assert sorted(r.json()["res"] for r in results) == ["clip 100", "clip 200", "clip 300"]
    assert client.post("/asr", json={"wav": b64(wav_bytes(0.4))}).json()["res"] == "clip 400"


def test_a_model_failure_is_500_for_that_request_only(client, fake_engine):
    fake_engine.fail_on_ms = 700
    assert_refused(client.post("/asr", json={"wav": b64(wav_bytes(0.7))}), 500, "still running", legacy=True)
    assert client.post("/asr", json={"wav": b64(wav_bytes(0.6))}).json()["res"] == "clip 600"
    assert client.get("/health").json()["status"] == "ok"


def test_concurrent_requests_get_their_own_answers_in_small_batches(client_for, fake_engine):
    client = client_for(max_batch=4)
    fake_engine.gate = threading.Event()
    answers: dict[int, str] = {}

    def post(ms):
        answers[ms] = client.post("/asr", json={"wav": b64(wav_bytes(ms / 1000))}).json()["res"]

    threads = [threading.Thread(target=post, args=(1000 + 10 * i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while client.get("/health").json()["queue_depth"] < 11 and time.monotonic() < deadline:
        time.sleep(0.02)
    fake_engine.gate.set()
    for thread in threads:
        thread.join(10)
    assert answers == {ms: f"clip {ms}" for ms in answers} and len(answers) == 12
    sizes = [len(call) for call in fake_engine.calls]
    assert sum(sizes) == 12 and max(sizes) == 4  # queued clips went through in batches of 4


def test_health_models_and_metrics(client):
    health = client.get("/health").json()
    assert health == {**health, "status": "ok", "model_loaded": True, "backend": "fake", "device": "cpu",
                      "queue_depth": 0}
    assert client.get("/v1/models").json()["data"][0]["id"] == "sensevoice-small"
    client.post("/asr", json={"wav": b64(wav_bytes(1.5))})
    client.post("/asr", json={"wav": "??"})
    client.post("/v1/audio/transcriptions", files={"file": ("a.wav", wav_bytes(0.5))})
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert 'dictate_requests_total{endpoint="/asr",status="200"} 1' in text
    assert 'dictate_requests_total{endpoint="/asr",status="400"} 1' in text
    assert 'dictate_errors_total{endpoint="/asr",kind="bad_request"} 1' in text
    assert 'dictate_requests_total{endpoint="/v1/audio/transcriptions",status="200"} 1' in text
    assert "dictate_audio_seconds_total 2\n" in text
    assert 'dictate_request_duration_seconds_count{endpoint="/asr"} 2' in text
    assert "dictate_model_loaded 1" in text and "dictate_queue_depth 0" in text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_asr_takes_json_only_as_application_json(client, content_type):
    # A web page may post text/plain or a form anywhere without asking (no CORS preflight).
    body = ('{"wav": "' + b64(wav_bytes(0.5)) + '"}').encode()
    headers = {"content-type": content_type} if content_type else {}
    refused = client.post("/asr", content=body, headers=headers)
    assert_refused(refused, 415, "/asr takes only application/json", legacy=True)
    ok = client.post("/asr", content=body, headers={"content-type": "application/json; charset=utf-8"})
    assert ok.json()["res"] == "clip 500"


def test_the_openai_route_takes_multipart_only(client):
    form = client.post("/v1/audio/transcriptions", data={"file": b64(wav_bytes(0.5)), "model": "whisper-1"})
    assert_refused(form, 415, "takes only multipart/form-data", "application/x-www-form-urlencoded")
    raw = client.post("/v1/audio/transcriptions", content=wav_bytes(0.5), headers={"content-type": "audio/wav"})
    assert_refused(raw, 415, "'audio/wav'")


def test_deep_nesting_is_a_json_400_not_a_plain_500(client):
    deep = b"[" * 200_000 + b"]" * 200_000
    response = client.post("/asr", content=deep, headers={"content-type": "application/json"})
    assert_refused(response, 400, "200000 brackets, commas and colons", legacy=True)
    nested_object = b'{"wav": "", "x": ' + b'{"a": ' * 300 + b"1" + b"}" * 300 + b"}"
    assert_refused(client.post("/asr", content=nested_object, headers={"content-type": "application/json"}),
                   400, "brackets, commas and colons", legacy=True)
    assert client.post("/asr", json={"wav": b64(wav_bytes(0.3))}).json()["res"] == "clip 300"


def test_a_body_of_ten_million_empty_lists_is_refused_before_parsing(client_for):
    client = client_for(max_bytes=30_000_000)
    body = b"[" + b"[]," * 10_000_000 + b"[]]"  # 30 MB; json.loads would build 10 M lists (+790 MB)
    started = time.monotonic()
    response = client.post("/asr", content=body, headers={"content-type": "application/json"})
    assert_refused(response, 400, "20000002 brackets, commas and colons", legacy=True)
    print(f"30 MB of []: answered in {time.monotonic() - started:.2f} s")


def test_a_request_with_a_few_extra_fields_is_still_accepted(client):
    body = {"wav": b64(wav_bytes(0.5)), "language": "en", "itn": False, "meta": {"user": "a", "tags": [1, 2]}}
    assert client.post("/asr", json=body).json()["res"] == "clip 500"


def test_an_unexpected_failure_is_a_json_500_and_the_server_goes_on(client, monkeypatch):
    from dictate_app.server import app as app_module

    def broken(raw):
        raise RuntimeError("a bug the checks did not foresee")

    monkeypatch.setattr(app_module, "_parse_asr_request", broken)
    response = client.post("/asr", json={"wav": b64(wav_bytes(0.3))})
    assert response.headers["content-type"] == "application/json"
    assert_refused(response, 500, "RuntimeError", "still running", legacy=True)
    monkeypatch.undo()
    assert client.post("/asr", json={"wav": b64(wav_bytes(0.3))}).json()["res"] == "clip 300"


def test_a_request_that_cannot_reach_the_model_by_its_deadline_gets_504(client_for, fake_engine):
    client = client_for(max_batch=1, deadline_s=0.5)
    fake_engine.gate = threading.Event()
    first: list = []
    thread = threading.Thread(target=lambda: first.append(client.post("/asr", json={"wav": b64(wav_bytes(0.1))})))
    thread.start()
    assert fake_engine.entered.wait(5)  # the first clip is in the (held) model pass
    started = time.monotonic()
    late = client.post("/asr", json={"wav": b64(wav_bytes(0.2))})
    waited = time.monotonic() - started
    assert_refused(late, 504, "before its deadline", legacy=True)
    assert waited < 3  # the deadline, not the held pass, ended the wait
    assert client.get("/health").json()["queue_depth"] == 0  # withdrawn from the queue
    fake_engine.gate.set()
    thread.join(10)
    assert first[0].json()["res"] == "clip 100"  # a job already in the model finishes
    assert all(200 not in call for call in fake_engine.calls)  # the late clip never ran


def test_the_job_of_a_client_that_went_away_leaves_the_queue_and_never_runs(fake_engine):
    import asyncio

    from tests.server.conftest import AsgiCall

    app = create_app(fake_engine, ServerSettings(max_batch=1))
    worker = app.app.state.worker
    fake_engine.gate = threading.Event()
    with TestClient(app, base_url=BASE_URL) as client:
        held = threading.Thread(target=lambda: client.post("/asr", json={"wav": b64(wav_bytes(0.1))}))
        held.start()
        assert fake_engine.entered.wait(5)  # the 100 ms clip is in the (held) model pass

        async def abandon():
            calls = [AsgiCall(app, "/asr") for _ in range(3)]
            for n, call in enumerate(calls):
                call.body(('{"wav": "' + b64(wav_bytes(0.2 + n / 100)) + '"}').encode())
            while worker.depth < 3:
                await asyncio.sleep(0.01)
            for call in calls:
                call.disconnect()
            await asyncio.wait_for(asyncio.gather(*(call.task for call in calls)), 5)
            return calls

        calls = asyncio.run(abandon())
        assert worker.depth == 0  # withdrawn at once: they no longer hold places in the queue
        assert [call.status for call in calls] == [499, 499, 499]
        fake_engine.gate.set()
        held.join(10)
        assert client.post("/asr", json={"wav": b64(wav_bytes(0.4))}).json()["res"] == "clip 400"
        ran = [ms for call in fake_engine.calls for ms in call]
        assert ran == [100, 400]  # the abandoned 200, 210 and 220 ms clips never reached the model
        assert 'dictate_requests_total{endpoint="/asr",status="499"} 3' in client.get("/metrics").text
