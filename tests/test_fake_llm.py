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
    proc = subprocess.Popen([sys.executable, "-m", "tests.fake_llm", "--port", "0", "--model", "m1"],
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
