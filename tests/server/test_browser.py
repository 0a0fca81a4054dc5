"""What a web page can make the browser do to a local server: a foreign Host (DNS rebinding) or
Origin (a cross-site request) is refused with a JSON 403, unless the user allowed that origin;
allowed origins get CORS headers and preflights. In-process, fake engine."""

from __future__ import annotations

import base64

import pytest

from dictate_app.errors import DictateError
from dictate_app.server.browser import check_origin
from testkit.server.harness import wav_bytes
from tests.server.conftest import BASE_URL
from tests.server.test_app import assert_refused

WAV = {"wav": base64.b64encode(wav_bytes(0.5)).decode()}


@pytest.mark.parametrize("host", ["evil.example:2002", "evil.example", "127.0.0.1:9999", "localhost",
                                  "192.168.1.20:2002", "127.0.0.1.nip.io:2002"])
def test_a_loopback_server_refuses_requests_for_other_names(client_for, host):
    client = client_for()
    refused = client.post("/asr", json=WAV, headers={"Host": host})
    body = assert_refused(refused, 403, "only answers requests for localhost, 127.0.0.1 or [::1] port 2002",
                          repr(host), legacy=True)
    assert body["error"]["type"] == "forbidden"
    assert_refused(client.get("/health", headers={"Host": host}), 403)  # a rebinding page reads nothing


@pytest.mark.parametrize("host", ["127.0.0.1:2002", "localhost:2002", "[::1]:2002", "LOCALHOST:2002"])
def test_a_loopback_server_answers_its_own_names(client_for, host):
    client = client_for()
    answer = client.post("/asr", json=WAV, headers={"Host": host})
    assert answer.status_code == 200 and answer.json()["res"] == "clip 500"


def test_the_default_port_may_be_left_out(client_for):
    client = client_for(base_url="http://localhost")  # a server on port 80: browsers send "localhost"
    assert client.get("/health").status_code == 200


def test_with_a_token_the_token_is_the_check_not_the_host(client_for):
    client = client_for(base_url="http://gpu-box.example:2002", host="0.0.0.0", token="s3cret")
    ok = client.post("/asr", json=WAV, headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200
    assert_refused(client.post("/asr", json=WAV), 401, legacy=True)


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:3000"])
def test_requests_from_other_web_pages_are_refused(client_for, origin):
    client = client_for()
    refused = client.post("/asr", json=WAV, headers={"Origin": origin})
    assert_refused(refused, 403, f"came from {origin}", f"--allow-origin {origin}", legacy=True)
    assert "access-control-allow-origin" not in refused.headers
    form = client.post("/v1/audio/transcriptions", files={"file": ("a.wav", wav_bytes(0.5))},
                       headers={"Origin": origin})
    assert_refused(form, 403)


def test_the_servers_own_pages_may_call_it(client_for):
    client = client_for()
    answer = client.post("/asr", json=WAV, headers={"Origin": BASE_URL})  # /docs' "try it out"
    assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers


def test_an_allowed_origin_gets_cors_headers_and_preflights(client_for):
    client = client_for(allowed_origins=("https://app.example",), token="s3cret")
    preflight = client.options("/asr", headers={"Origin": "https://app.example",
                                                "Access-Control-Request-Method": "POST",
                                                "Access-Control-Request-Headers": "authorization, content-type"})
    # No token on a preflight: browsers never send credentials with one.
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    assert int(preflight.headers["access-control-max-age"]) > 0
    answer = client.post("/asr", json=WAV, headers={"Origin": "https://app.example",
                                                    "Authorization": "Bearer s3cret"})
    assert answer.status_code == 200 and answer.json()["res"] == "clip 500"
    assert answer.headers["access-control-allow-origin"] == "https://app.example"
    assert answer.headers["vary"] == "Origin"
    # Refusals carry the header too, so the page can read why.
    no_token = client.post("/asr", json=WAV, headers={"Origin": "https://app.example"})
    assert no_token.status_code == 401 and no_token.headers["access-control-allow-origin"] == "https://app.example"
    other = client.options("/asr", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert_refused(other, 403, "came from https://evil.example", legacy=True)


def test_origins_are_checked_when_the_server_starts():
    assert check_origin("HTTPS://App.Example/") == "https://app.example"
    assert check_origin("http://localhost:3000") == "http://localhost:3000"
    for bad in ("app.example", "https://app.example/page", "ftp://x", "https://"):
        with pytest.raises(DictateError, match="is not a web origin"):
            check_origin(bad)
