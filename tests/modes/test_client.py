"""The OpenAI-compatible client against the fake server on loopback: the exact request, streaming
(SSE) and not, the model list, the API key, cancel, and one sentence with the fix per failure."""

from __future__ import annotations

import threading
import time

import pytest

from dictate_app.modes.client import (ENV_API_KEY, Endpoint, LlmError, TooLong, api_key_for, chat,
                                      endpoint_for, is_this_computer, list_models, where_text_goes)
from testkit.fake_llm import DEFAULT_MODEL

MESSAGES = [{"role": "system", "content": "rules"},
            {"role": "user", "content": "Fix:\n<transcript>\nhello wörld 你好\n</transcript>"}]


@pytest.mark.parametrize("stream", [True, False])
def test_chat_sends_the_exact_request_and_returns_the_answer(fake_llm, stream):
    pieces = []
    answer = chat(Endpoint(fake_llm.url, DEFAULT_MODEL, "sk-test"), MESSAGES, timeout_s=5, stream=stream,
                  on_delta=pieces.append)
    assert answer == "HELLO WÖRLD 你好"
    assert pieces == (["HELLO ", "WÖRLD ", "你好"] if stream else [])
    (request,) = fake_llm.requests
    assert (request["method"], request["path"]) == ("POST", "/v1/chat/completions")
    assert request["body"] == {"model": DEFAULT_MODEL, "messages": MESSAGES, "stream": stream, "temperature": 0}
    assert request["headers"]["authorization"] == "Bearer sk-test"
    assert request["headers"]["content-type"] == "application/json"


def test_no_key_no_authorization_header(fake_llm):
    chat(Endpoint(fake_llm.url, DEFAULT_MODEL), MESSAGES, timeout_s=5)
    assert "authorization" not in fake_llm.requests[0]["headers"]


def test_models_are_listed_in_the_servers_order(fake_llm):
    fake_llm.models[:] = ["qwen2.5:3b", "llama3.2"]
    assert list_models(Endpoint(fake_llm.url), timeout_s=5) == ["qwen2.5:3b", "llama3.2"]
    assert fake_llm.requests[0]["path"] == "/v1/models"


def test_endpoint_down_names_the_url_and_how_to_start_a_server(fake_llm):
    fake_llm.set("down")
    with pytest.raises(LlmError) as info:
        chat(Endpoint(fake_llm.url, DEFAULT_MODEL), MESSAGES, timeout_s=5)
    message = str(info.value)
    assert message.startswith(f"Nothing answers at {fake_llm.url} ")
    assert "ollama serve" in message and "llama-server" in message and "llm_url" in message
    assert message.count(". ") == 0 and message.endswith(".")


@pytest.mark.parametrize("stream", [True, False])
def test_unknown_model_names_the_model_and_the_endpoint(fake_llm, stream):
    with pytest.raises(LlmError) as info:
        chat(Endpoint(fake_llm.url, "llama9:70b"), MESSAGES, timeout_s=5, stream=stream)
    assert str(info.value).startswith(f"The model 'llama9:70b' is not available at {fake_llm.url}; ")
    assert "ollama pull llama9:70b" in str(info.value)


@pytest.mark.parametrize("behaviour, start", [
    ("error", "answered HTTP 500 (the model crashed); check the model server's log."),
    ("garbage", "sent an answer that is not JSON instead of an OpenAI-compatible answer; check that llm_url"),
])
def test_http_errors_and_garbage_are_one_sentence(fake_llm, behaviour, start):
    fake_llm.set(behaviour)
    with pytest.raises(LlmError) as info:
        chat(Endpoint(fake_llm.url, DEFAULT_MODEL), MESSAGES, timeout_s=5, stream=False)
    assert start in str(info.value) and "\n" not in str(info.value)


def test_garbage_in_the_event_stream(fake_llm):
    fake_llm.set("garbage")
    with pytest.raises(LlmError, match="sent an event that is not JSON"):
        chat(Endpoint(fake_llm.url, DEFAULT_MODEL), MESSAGES, timeout_s=5, stream=True)


def test_a_route_that_is_not_the_api_says_where_v1_is(fake_llm):
    with pytest.raises(LlmError, match=r"no OpenAI-compatible API at http://127.0.0.1:\d+/api \(HTTP 404\)"):
        chat(Endpoint(fake_llm.url.replace("/v1", "/api"), DEFAULT_MODEL), MESSAGES, timeout_s=5)


def test_a_silent_server_is_a_timeout_at_the_deadline(fake_llm):
    fake_llm.set("slow", delay_s=10)
    started = time.monotonic()
    with pytest.raises(LlmError, match="did not answer in time; raise llm_timeout_s"):
        chat(Endpoint(fake_llm.url, DEFAULT_MODEL), MESSAGES, timeout_s=0.5)
    assert time.monotonic() - started < 2  # the read gave up at the deadline, not after 10 s


def test_cancel_stops_reading_a_slow_stream(fake_llm):
    fake_llm.set("slow", delay_s=0, chunk_delay_s=0.3)
    cancel, pieces = threading.Event(), []

    def on_delta(piece):
        pieces.append(piece)
        cancel.set()  # stop after the first piece

    words = " ".join(f"w{i}" for i in range(20))
    answer = chat(Endpoint(fake_llm.url, DEFAULT_MODEL), [{"role": "user", "content": f"<transcript>{words}</transcript>"}],
                  timeout_s=10, on_delta=on_delta, cancel=cancel)
    assert answer == "W0 " and pieces == ["W0 "]


def test_an_error_raised_by_on_delta_ends_the_stream(fake_llm):
    fake_llm.set("long")
    pieces = []

    def on_delta(piece):
        pieces.append(piece)
        if len(pieces) == 3:
            raise TooLong(3)

    with pytest.raises(TooLong):
        chat(Endpoint(fake_llm.url, DEFAULT_MODEL), MESSAGES, timeout_s=5, on_delta=on_delta)
    assert len(pieces) == 3


def test_a_bad_url_is_a_sentence_not_a_traceback():
    with pytest.raises(LlmError, match="is not an http:// or https:// URL; set llm_url like"):
        chat(Endpoint("ftp://example.com/v1", "m"), MESSAGES, timeout_s=1)


def test_the_api_key_comes_from_the_environment_then_the_keyring(monkeypatch):
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1
        stored = {("dictate-app", "api.example.com"): "from-keyring"}

        def get_password(self, service, username):
            return self.stored.get((service, username))

        def set_password(self, service, username, password):
            raise NotImplementedError

        def delete_password(self, service, username):
            raise NotImplementedError

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        monkeypatch.setenv(ENV_API_KEY, "from-env")
        assert api_key_for("https://api.example.com/v1") == "from-env"
        monkeypatch.delenv(ENV_API_KEY)
        assert api_key_for("https://api.example.com/v1") == "from-keyring"
        assert endpoint_for("https://api.example.com/v1", "gpt").api_key == "from-keyring"
        Memory.stored[("dictate-app", "127.0.0.1")] = "never-asked"
        assert api_key_for("http://127.0.0.1:11434/v1") is None  # this computer: the keyring is not asked
        monkeypatch.setenv(ENV_API_KEY, "from-env")
        assert api_key_for("http://127.0.0.1:8080/v1") == "from-env"  # llama-server --api-key
    finally:
        keyring.set_keyring(previous)


def test_no_keyring_backend_is_no_key_and_no_error(monkeypatch):
    import keyring
    from keyring.backends.fail import Keyring as Failing

    monkeypatch.delenv(ENV_API_KEY, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(Failing())
    try:
        assert api_key_for("https://api.example.com/v1") is None
    finally:
        keyring.set_keyring(previous)


def test_where_the_text_goes():
    assert where_text_goes("http://127.0.0.1:11434/v1") == "Text is sent to 127.0.0.1 (this computer)."
    assert where_text_goes("http://localhost:8080/v1") == "Text is sent to localhost (this computer)."
    assert where_text_goes("http://[::1]:8080/v1") == "Text is sent to ::1 (this computer)."
    assert where_text_goes("https://api.example.com/v1") == "Text is sent to api.example.com (another computer)."
    assert not is_this_computer("http://192.168.1.20:11434/v1")


def test_https_to_a_plain_http_server_is_a_sentence_about_the_secure_connection(fake_llm):
    url = fake_llm.url.replace("http://", "https://")
    with pytest.raises(LlmError) as info:
        chat(Endpoint(url, DEFAULT_MODEL), MESSAGES, timeout_s=5)
    assert str(info.value).startswith(f"The secure connection to {url} failed (")
    assert str(info.value).endswith("(a server on this computer usually speaks http://).")
