"""The guarded HTTP protocol on real loopback sockets (uvicorn in a thread, fake engine): header and
body timeouts, the connection limit that makes room for new clients, JSON below the application,
and the open-files arithmetic. The same with the real server process and model: test_serve_hostile.py."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time

import pytest
import requests

from dictate_app.server.app import create_app
from dictate_app.server.protocol import SPARE_FILES, ConnectionLimits, connection_budget, raise_open_files_limit
from dictate_app.server.settings import ServerSettings
from testkit.server.harness import wav_bytes
from tests.server.conftest import FakeEngine, ThreadServer


@pytest.fixture
def serve():
    servers = []

    def start(max_connections=100, header_timeout_s=1.0, body_timeout_s=1.0, body_min_rate=64 * 1024,
              **settings) -> ThreadServer:
        limits = ConnectionLimits(max_connections, header_timeout_s, body_timeout_s, body_min_rate)
        servers.append(ThreadServer(create_app(FakeEngine(), ServerSettings(**settings)), limits))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def connect(server: ThreadServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def read_answer(sock: socket.socket) -> tuple[int | None, bytes, float]:
    """(status or None if closed without an answer, everything read, seconds until closed)."""
    started = time.monotonic()
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    elapsed = time.monotonic() - started
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None
    return status, data, elapsed


def json_body(data: bytes) -> dict:
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower()
    return json.loads(body)


def test_headers_sent_too_slowly_get_408_and_the_connection_closes(serve):
    server = serve(header_timeout_s=1.0)
    slow = connect(server)
    slow.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    for _ in range(3):  # trickling bytes does not buy time
        time.sleep(0.2)
        slow.sendall(b"a")
    status, data, elapsed = read_answer(slow)
    assert status == 408 and elapsed < 3
    assert "headers did not arrive within 1 s" in json_body(data)["error"]["message"]


def test_a_connection_that_sends_nothing_is_closed_silently(serve):
    server = serve(header_timeout_s=1.0)
    idle = connect(server)
    status, data, elapsed = read_answer(idle)
    assert (status, data) == (None, b"") and 0.8 < elapsed < 3


def test_a_stalled_body_gets_408_and_the_server_goes_on(serve):
    server = serve(body_timeout_s=1.0)
    stalled = connect(server)
    host = f"127.0.0.1:{server.port}".encode()
    stalled.sendall(b"POST /asr HTTP/1.1\r\nHost: " + host + b"\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n{\"wav\": \"")
    status, data, elapsed = read_answer(stalled)
    assert status == 408 and elapsed < 4
    assert "request body arrived too slowly" in json_body(data)["error"]["message"]
    assert requests.get(f"{server.url}/health", timeout=5).json()["queue_depth"] == 0
    # The intake's place was given back: the stage is empty again; the request counts as gone.
    metrics = requests.get(f"{server.url}/metrics", timeout=5).text
    assert "dictate_intake_requests 0" in metrics
    assert 'dictate_requests_total{endpoint="/asr",status="499"} 1' in metrics


def test_a_body_that_keeps_coming_earns_time(serve):
    server = serve(body_timeout_s=0.5, body_min_rate=1024)
    client = connect(server)
    host = f"127.0.0.1:{server.port}".encode()
    body = b'{"wav": "' + b"A" * 3000 + b'"}'
    client.sendall(b"POST /asr HTTP/1.1\r\nHost: " + host + b"\r\nContent-Type: application/json\r\n"
                   b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n")
    for i in range(0, len(body), 1000):  # 1.2 s in all: over 0.5 s, under 0.5 s + 1 s per KB
        client.sendall(body[i:i + 1000])
        time.sleep(0.4)
    status, data, _ = read_answer(client)
    assert status == 400 and "not a readable audio file" in json_body(data)["error"]["message"]


def test_idle_connections_over_the_limit_make_room_and_health_answers(serve):
    server = serve(max_connections=10, header_timeout_s=30.0)
    idle = [connect(server) for _ in range(40)]
    try:
        for _ in range(5):
            started = time.monotonic()
            assert requests.get(f"{server.url}/health", timeout=2).status_code == 200
            assert time.monotonic() - started < 1
        # The oldest idle sockets were closed to make room, the newest are still open.
        idle[0].settimeout(2)
        assert idle[0].recv(1) == b""
        connections = server.server.server_state.connections
        assert len(connections) <= 10
    finally:
        for sock in idle:
            sock.close()


def test_when_every_connection_is_busy_a_new_one_gets_503_json(serve):
    server = serve(max_connections=2, max_batch=1)
    state = server.server.config.app.app.state  # guard -> FastAPI
    state.engine.gate = threading.Event()
    busy = []
    try:
        for seconds in (0.1, 0.2):  # one request held in the model, one queued: both connections busy
            sock = connect(server)
            body = json.dumps({"wav": base64.b64encode(wav_bytes(seconds)).decode()}).encode()
            sock.sendall(b"POST /asr HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % (server.port, len(body)) + body)
            busy.append(sock)
        deadline = time.monotonic() + 5
        while state.worker.depth < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        extra = connect(server)
        status, data, _ = read_answer(extra)
        assert status == 503
        assert "connections busy with requests" in json_body(data)["error"]["message"]
        assert b"retry-after: 1" in data.lower()
    finally:
        state.engine.gate.set()
        for sock in busy:
            sock.close()


def test_malformed_http_gets_a_json_400(serve):
    server = serve()
    sock = connect(server)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n")  # a header line without a colon
    status, data, _ = read_answer(sock)
    assert status == 400 and "not valid HTTP/1.1" in json_body(data)["error"]["message"]


def test_kept_alive_connections_get_the_header_timeout_for_each_request(serve):
    server = serve(header_timeout_s=1.0)
    sock = connect(server)
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % server.port
    sock.sendall(request)
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):  # the whole first answer
        answer += sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200")
    sock.sendall(request[:10])  # the next request starts, and stalls
    status, data, elapsed = read_answer(sock)
    assert status == 408 and elapsed < 3


def test_the_connection_budget_fits_under_the_open_files_limit():
    # Plenty of files: the wish stands, and the backlog is the largest.
    assert connection_budget(1000, 1_048_576, 20, 32) == (1000, 512)
    # A hard limit of 4096: still room for 1000 connections beside a burst of 3 x 501 accepts.
    assert connection_budget(1000, 4096, 20, 32) == (1000, (4096 - 20 - 32 - 32) // 8)
    # 200 files, 8 in use, 8 uploads: (200 - 8 - 8 - 32) = 152 of room, backlog 19, 3 bursts of it.
    assert connection_budget(1000, 200, 8, 8) == (152 - 3 * 19, 19)
    assert connection_budget(1000, 40, 8, 32) == (1, 8)  # never zero
    assert connection_budget(50, None, 8, 32) == (50, 512)  # no limit (Windows)
    assert SPARE_FILES == 32


def test_the_soft_open_files_limit_is_raised_to_the_hard_one():
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        if hard != resource.RLIM_INFINITY and hard > 64:
            resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
        assert raise_open_files_limit() == (None if hard == resource.RLIM_INFINITY else hard)
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == hard
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
