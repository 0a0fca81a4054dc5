"""The fake language-model server as a process (how the desktop test runs it): it prints its URL,
answers, changes behaviour over HTTP, reports what it received, and stops on SIGTERM."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

from dictate_app.modes.client import Endpoint, LlmError, chat
from tests.conftest import REPO


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def test_the_server_as_a_process():
    proc = subprocess.Popen([sys.executable, "-m", "testkit.fake_llm", "--port", "0", "--model", "m1"],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("fake LLM listening on http://127.0.0.1:") and line.endswith("/v1")
        url = line.rsplit(" ", 1)[1]
        messages = [{"role": "user", "content": "<transcript>dear bob</transcript>"}]
        assert chat(Endpoint(url, "m1"), messages, timeout_s=5) == "DEAR BOB"
        base = url.removesuffix("/v1")
        assert _post(f"{base}/_fake/set", {"behaviour": "slow", "delay_s": 5}) == {"behaviour": "slow"}
        try:
            chat(Endpoint(url, "m1"), messages, timeout_s=0.3)
            raise AssertionError("the slow behaviour answered at once")
        except LlmError as exc:
            assert "did not answer in time" in str(exc)
        with urllib.request.urlopen(f"{base}/_fake/requests", timeout=5) as response:
            seen = json.load(response)
        assert [r["path"] for r in seen] == ["/v1/chat/completions", "/_fake/set", "/v1/chat/completions",
                                             "/_fake/requests"]
        assert seen[0]["body"]["messages"] == messages and seen[0]["body"]["model"] == "m1"
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0


def test_the_official_openai_client_reads_the_fake_like_a_real_server(fake_llm):
    """The fake speaks the protocol faithfully: OpenAI's own Python client parses its plain and
    streamed answers, its model list and its Ollama-style 404 (so tests against it mean something)."""
    import openai

    client = openai.OpenAI(base_url=fake_llm.url, api_key="sk-test", max_retries=0, timeout=5)
    messages = [{"role": "user", "content": "Fix:\n<transcript>\nmeet at noon\n</transcript>"}]
    plain = client.chat.completions.create(model="fake-model", messages=messages)
    assert plain.choices[0].message.content == "MEET AT NOON" and plain.choices[0].finish_reason == "stop"
    stream = client.chat.completions.create(model="fake-model", messages=messages, stream=True)
    pieces = [chunk.choices[0].delta.content for chunk in stream if chunk.choices and chunk.choices[0].delta.content]
    assert pieces == ["MEET ", "AT ", "NOON"]
    assert [model.id for model in client.models.list()] == ["fake-model"]
    try:
        client.chat.completions.create(model="llama9", messages=messages)
        raise AssertionError("an unknown model was answered")
    except openai.NotFoundError as exc:
        assert exc.status_code == 404 and 'model "llama9" not found, try pulling it first' in str(exc)
    assert fake_llm.requests[0]["headers"]["authorization"] == "Bearer sk-test"
