"""``dictate-app serve`` end to end: a real server process on a free loopback port, the trained
fixture model, real clients (the write-up's ``requests`` call, the official ``openai`` client, the
``transcribe --server`` command), every bad input, and 50 concurrent requests."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from testkit.server.harness import ServerProcess, metric, wav_bytes

pytestmark = pytest.mark.slow


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def server(fixture_model_dir):
    process = ServerProcess("--model", str(fixture_model_dir), "--device", "cpu", "--max-seconds", "20",
                            "--max-mb", "2", "--queue", "64")
    yield process
    assert process.stop() in (0, -15), "".join(process.lines)


def test_start_up_says_who_can_connect(server):
    assert any("loopback only (this machine), no token needed (funasr on cpu)" in line for line in server.lines)


def test_the_write_ups_client_request(server, phrase_audio):
    language, expected, wav = phrase_audio[0]
    # What the write-up's client does: base64 of the file's bytes in a JSON body, read code/res.
    response = requests.post(f"{server.url}/asr", json={"wav": base64.b64encode(wav).decode()}, timeout=60)
    result = response.json()
    assert response.status_code == 200 and result["code"] == 0 and result["msg"] == "ok"
    assert normalise(result["res"]) == expected
    assert result["language"] == language and result["events"] == ["Speech"]
    assert result["emotion"] in ("NEUTRAL", "HAPPY", "SAD") and result["display"].startswith(result["res"][:3])


def test_the_official_openai_client(server, phrase_audio, tmp_path):
    import openai

    language, expected, wav = phrase_audio[25]  # Mandarin
    path = tmp_path / "speech.wav"
    path.write_bytes(wav)
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="not-needed-on-loopback", max_retries=0)
    with path.open("rb") as audio:
        plain = client.audio.transcriptions.create(model="whisper-1", file=audio)
    assert plain.text == expected
    with path.open("rb") as audio:
        text = client.audio.transcriptions.create(model="sensevoice-small", file=audio, response_format="text")
    assert text.strip() == expected
    with path.open("rb") as audio:
        verbose = client.audio.transcriptions.create(model="sensevoice-small", file=audio,
                                                     response_format="verbose_json", language="zh")
    assert verbose.text == expected and verbose.language == "chinese"
    assert verbose.duration == pytest.approx(len(wav) / 2 / 22050, abs=0.05)
    with pytest.raises(openai.BadRequestError, match="not a readable audio file"):
        client.audio.transcriptions.create(model="whisper-1", file=("notes.wav", b"these are not audio bytes"))
    assert [m.id for m in client.models.list()] == ["sensevoice-small"]


def test_every_bad_input_gets_its_status_and_the_server_goes_on(server, phrase_audio):
    asr = f"{server.url}/asr"
    as_json = {"Content-Type": "application/json"}
    cases = [
        (requests.post(asr, data=b"", headers=as_json, timeout=30), 400, "empty"),
        (requests.post(asr, data=b"{oops", headers=as_json, timeout=30), 400, "not JSON"),
        (requests.post(asr, data=b'{"wav": "x"}', headers={"Content-Type": "text/plain"}, timeout=30), 415,
         "takes only application/json"),
        (requests.post(asr, data=b"[" * 200_000 + b"]" * 200_000, headers=as_json, timeout=30), 400,
         "brackets, commas and colons"),
        (requests.post(asr, json={"wav": "x"}, headers={"Origin": "https://evil.example"}, timeout=30), 403,
         "requests from web pages are refused"),
        (requests.post(asr, json={"wav": "x"}, headers={"Host": "evil.example"}, timeout=30), 403,
         "only answers requests for localhost"),
        (requests.post(f"{server.url}/v1/audio/transcriptions", data={"file": "x"}, timeout=30), 415,
         "takes only multipart/form-data"),
        (requests.post(asr, json={"audio": "x"}, timeout=30), 400, '"wav" field'),
        (requests.post(asr, json={"wav": "%%%not base64%%%"}, timeout=30), 400, "not valid base64"),
        (requests.post(asr, json={"wav": base64.b64encode(b"plain text, not audio").decode()}, timeout=30),
         400, "not a readable audio file"),
        (requests.post(asr, json={"wav": base64.b64encode(wav_bytes(0.0)).decode()}, timeout=30), 400, "no audio samples"),
        (requests.post(asr, json={"wav": base64.b64encode(wav_bytes(0.02)).decode()}, timeout=30), 400, "20 ms long"),
        (requests.post(asr, json={"wav": base64.b64encode(wav_bytes(25.0, 8000)).decode()}, timeout=30), 413, "25.0 s long"),
        (requests.post(asr, json={"wav": base64.b64encode(wav_bytes(15.0, 96000)).decode()}, timeout=30), 413, "too large"),
        (requests.post(f"{server.url}/v1/audio/transcriptions", files={"file": ("a.wav", b"")}, timeout=30), 400, "empty"),
    ]
    for response, status, words in cases:
        assert response.status_code == status, (words, response.text)
        body = response.json()
        assert words in body["error"]["message"], body
        if response.url.endswith("/asr"):
            assert body["code"] == status and body["msg"] == body["error"]["message"]
    _, expected, wav = phrase_audio[1]
    ok = requests.post(asr, json={"wav": base64.b64encode(wav).decode()}, timeout=60).json()
    assert normalise(ok["res"]) == expected
    assert requests.get(f"{server.url}/health", timeout=10).json()["status"] == "ok"


def test_fifty_concurrent_requests_each_get_their_own_words(server, phrase_audio):
    before = requests.get(f"{server.url}/metrics", timeout=10).text

    def ask(item):
        language, expected, wav = item
        response = requests.post(f"{server.url}/asr", json={"wav": base64.b64encode(wav).decode()}, timeout=300)
        return response.status_code, response.json()

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(ask, phrase_audio))
    assert len(answers) == 50
    wrong = [(expected, body.get("res")) for (status, body), (_, expected, _) in zip(answers, phrase_audio)
             if status != 200 or normalise(body["res"]) != expected]
    assert wrong == []
    assert [body["language"] for _, body in answers] == [lang for lang, _, _ in phrase_audio]
    health = requests.get(f"{server.url}/health", timeout=10).json()
    assert health["status"] == "ok" and health["queue_depth"] == 0
    after = requests.get(f"{server.url}/metrics", timeout=10).text
    key = 'dictate_requests_total{endpoint="/asr",status="200"}'
    assert metric(after, key) - metric(before, key) == 50
    passes = metric(after, "dictate_batch_size_count") - metric(before, "dictate_batch_size_count")
    assert passes < 50  # concurrent requests shared model passes


def test_transcribe_with_server_matches_the_local_model(server, cli, fixture_model_dir, phrase_audio, tmp_path):
    files = []
    for n in (2, 30):
        path = tmp_path / f"phrase{n}.wav"
        path.write_bytes(phrase_audio[n][2])
        files.append(path)
    remote = cli("transcribe", "--server", server.url, "--json", *files)
    local = cli("transcribe", "--model", fixture_model_dir, "--device", "cpu", "--json", *files)
    assert remote.returncode == 0 and local.returncode == 0, remote.stderr + local.stderr
    fields = ("text", "language", "emotion", "events", "itn", "display", "raw", "duration_s")
    remote_rows = [{k: json.loads(line)[k] for k in fields} for line in remote.stdout.splitlines()]
    local_rows = [{k: json.loads(line)[k] for k in fields} for line in local.stdout.splitlines()]
    assert remote_rows == local_rows
    assert [normalise(row["text"]) for row in remote_rows] == [phrase_audio[2][1], phrase_audio[30][1]]


def test_a_token_server_works_with_the_openai_client_only_with_the_token(fixture_model_dir, phrase_audio):
    import openai

    process = ServerProcess("--model", str(fixture_model_dir), "--device", "cpu", "--token", "team-secret")
    try:
        assert any("requests need 'Authorization: Bearer <token>'" in line for line in process.lines)
        _, expected, wav = phrase_audio[3]
        good = openai.OpenAI(base_url=f"{process.url}/v1", api_key="team-secret", max_retries=0)
        assert good.audio.transcriptions.create(model="whisper-1", file=("a.wav", wav)).text == expected
        bad = openai.OpenAI(base_url=f"{process.url}/v1", api_key="guess", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            bad.audio.transcriptions.create(model="whisper-1", file=("a.wav", wav))
        assert requests.post(f"{process.url}/asr", json={"wav": base64.b64encode(wav).decode()},
                             timeout=30).status_code == 401
    finally:
        assert process.stop() in (0, -15)

