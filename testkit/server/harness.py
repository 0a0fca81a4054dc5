"""A real ``dictate-app serve`` subprocess on a free loopback port and what drives it: WAV bytes,
the 50 phrases the fixture model knows spoken by espeak-ng, a /health prober, idle and slow sockets,
abandoned requests, a metric read from /metrics. Shared by the server tests (tests/server, whose
conftest.py holds the fast tier's fake engine and fixtures) and the server benchmarks."""

from __future__ import annotations

import io
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

REPO = Path(__file__).resolve().parents[2]


def wav_bytes(seconds: float = 1.0, rate: int = 16000, freq: float = 300.0, fmt: str = "WAV",
              subtype: str | None = None, channels: int = 1) -> bytes:
    """A tone as an in-memory audio file."""
    t = np.arange(int(rate * seconds)) / rate
    data = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    if channels > 1:
        data = np.stack([data] * channels, axis=1)
    buffer = io.BytesIO()
    soundfile.write(buffer, data, rate, format=fmt, subtype=subtype)
    return buffer.getvalue()


class ServerProcess:
    """``python -m dictate_app serve`` on a free loopback port, stopped by the fixture;
    ``open_files`` sets its hard (and soft) limit on open files."""

    def __init__(self, *args: str, env: dict | None = None, open_files: int | None = None) -> None:
        def limit_files() -> None:
            import resource

            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dictate_app", "serve", "--port", "0", *args],
            cwd=REPO, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, preexec_fn=limit_files if open_files else None,
        )
        self.lines: list[str] = []
        try:
            self.url = self._wait_for_url(timeout=180)
            self.port = int(self.url.rsplit(":", 1)[1])
        except BaseException:
            self.stop()  # never leave a server behind a failed start
            raise

    def _wait_for_url(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise AssertionError(f"serve exited {self.proc.returncode}: {''.join(self.lines)}")
                continue
            self.lines.append(line)
            match = re.search(r"listening on (http://\S+?):\s", line)
            if match:
                # Drain the rest of stderr in the background so the server never blocks on it.
                threading.Thread(target=self._drain, daemon=True).start()
                self._wait_healthy(match.group(1), deadline)
                return match.group(1)
        raise AssertionError(f"serve did not start: {''.join(self.lines)}")

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)

    @staticmethod
    def _wait_healthy(url: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server never became healthy")

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; uvicorn shuts down gracefully, then re-raises
        the signal, so the exit status is -15 (or 0)."""
        self.proc.terminate()
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(10)


class HealthProbe(threading.Thread):
    """Asks /health every 0.2 s on a new connection, as a load balancer does, until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        import requests

        while not self.stopped.is_set():
            started = time.monotonic()
            try:
                status = requests.get(f"{self.url}/health", timeout=1.0).status_code
                if status != 200:
                    self.failures.append(f"HTTP {status}")
            except requests.RequestException as exc:
                self.failures.append(type(exc).__name__)
            self.latencies.append(time.monotonic() - started)
            self.stopped.wait(0.2)


def closed_by_server(sockets: list[socket.socket], closed: dict[int, float], started: float) -> None:
    """Record (index -> seconds) every socket the server has closed (EOF, 408 then EOF, or reset)."""
    open_ = {i: s for i, s in enumerate(sockets) if i not in closed}
    if not open_:
        return
    readable, _, _ = select.select(list(open_.values()), [], [], 0)
    for i, sock in open_.items():
        if sock in readable:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data or data.startswith(b"HTTP/1.1 408"):
                closed[i] = time.monotonic() - started


@dataclass
class SocketSiege:
    """What :func:`idle_and_slow_sockets` saw: seconds to open everything, and per socket the
    seconds (from the start) at which the server closed it."""

    opened_s: float
    idle_closed: dict[int, float]
    slow_closed: dict[int, float]


def idle_and_slow_sockets(port: int, idle: int, slow: int, watch_s: float) -> SocketSiege:
    """Open ``idle`` connections that send nothing and ``slow`` ones that send a header line every
    0.5 s and never finish; watch them for ``watch_s`` seconds after they are all open; close all."""
    idle_socks: list[socket.socket] = []
    slow_socks: list[socket.socket] = []
    started = time.monotonic()
    try:
        # Ten at a time, 10 ms apart: a connect loop at full speed outruns any accept loop in Python
        # and fills the kernel's backlog (a SYN flood, which the kernel answers with its 1 s retry).
        for n in range(idle):
            idle_socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            if n % 10 == 9:
                time.sleep(0.01)
        for _ in range(slow):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % port)
            slow_socks.append(sock)
        siege = SocketSiege(time.monotonic() - started, {}, {})
        while time.monotonic() - started < siege.opened_s + watch_s:
            for i, sock in enumerate(slow_socks):
                if i not in siege.slow_closed:
                    try:
                        sock.sendall(b"X-Slow: a\r\n")
                    except OSError:
                        siege.slow_closed[i] = time.monotonic() - started
            closed_by_server(slow_socks, siege.slow_closed, started)
            closed_by_server(idle_socks, siege.idle_closed, started)
            time.sleep(0.5)
        return siege
    finally:
        for sock in idle_socks + slow_socks:
            sock.close()


def abandon_requests(port: int, body: bytes, count: int, queued: int, timeout: float = 120) -> None:
    """Send ``count`` POST /asr requests with ``body``, wait until ``queued`` of them wait for the
    model, then close every connection, as clients that gave up."""
    import requests

    request = (b"POST /asr HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n" % (port, len(body))) + body
    clients = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            sock.sendall(request)
            clients.append(sock)
        deadline = time.monotonic() + timeout
        while requests.get(f"http://127.0.0.1:{port}/health", timeout=10).json()["queue_depth"] < queued:
            if time.monotonic() > deadline:
                raise AssertionError(f"the {count} requests never had {queued} waiting for the model")
            time.sleep(0.05)
    finally:
        for sock in clients:
            sock.close()


# 50 different phrases from the fixture model's vocabulary (the lexicon's templates, digits slotted
# in): (spoken text, language, the text the model writes with itn, espeak-ng voice variant). Each
# is one the committed fixture recognizes exactly in that voice (mostly variants it never heard in
# training), picked once by trying the templates in order, so a test can assert every request's
# exact words; a retrained fixture may need the list picked again. For the fixture of issue 3 three
# phrases failed in their variant and got the first variant that works, trying the held-out
# variants then the training ones in corpus order: play music f2 -> m3, good night m2 -> m3,
# we are happy m3 -> Michael. For its second training stage, by the same rule: open the book f2 -> m3.
# The third, fourth and sixth fixtures (random voices) recognize all 50 as they are.
PHRASES = [
    ('hello world', 'en', 'hello world', 'm3'),
    ('please open the door', 'en', 'please open the door', 'm8'),
    ('close the window', 'en', 'close the window', 'norbert'),
    ('turn on the light', 'en', 'turn on the light', 'klatt2'),
    ('turn off the light', 'en', 'turn off the light', 'klatt2'),
    ('play music', 'en', 'play music', 'm3'),
    ('stop the music', 'en', 'stop the music', 'm1'),
    ('call my mother', 'en', 'call my mother', 'm1'),
    ('call my friend', 'en', 'call my friend', 'm1'),
    ('good morning', 'en', 'good morning', 'f1'),
    ('good night', 'en', 'good night', 'm3'),
    ('thank you', 'en', 'thank you', 'f3'),
    ('yes please', 'en', 'yes please', 'm3'),
    ('no thank you', 'en', 'no thank you', 'm8'),
    ('open the book', 'en', 'open the book', 'm3'),
    ('send a message', 'en', 'send a message', 'klatt2'),
    ('my number is seven zero three', 'en', 'my number is 703', 'f2'),
    ('turn left', 'en', 'turn left', 'linda'),
    ('turn right', 'en', 'turn right', 'm1'),
    ('go home now', 'en', 'go home now', 'f1'),
    ('the cat is big', 'en', 'the cat is big', 'm2'),
    ('the dog is small', 'en', 'the dog is small', 'f3'),
    ('we are happy', 'en', 'we are happy', 'Michael'),
    ('water please', 'en', 'water please', 'm8'),
    ('today is good', 'en', 'today is good', 'klatt2'),
    ('你好世界', 'zh', '你好世界', 'linda'),
    ('请打开门', 'zh', '请打开门', 'm1'),
    ('关闭窗', 'zh', '关闭窗', 'm1'),
    ('播放音乐', 'zh', '播放音乐', 'f1'),
    ('停止音乐', 'zh', '停止音乐', 'm2'),
    ('谢谢朋友', 'zh', '谢谢朋友', 'f3'),
    ('今天天气很好', 'zh', '今天天气很好', 'm3'),
    ('明天早上', 'zh', '明天早上', 'm8'),
    ('我们回家', 'zh', '我们回家', 'Michael'),
    ('我要喝水', 'zh', '我要喝水', 'norbert'),
    ('请帮我', 'zh', '请帮我', 'klatt2'),
    ('我看书', 'zh', '我看书', 'f2'),
    ('现在是二九六', 'zh', '现在是296', 'linda'),
    ('电话三零七', 'zh', '电话307', 'm1'),
    ('我要吃饭', 'zh', '我要吃饭', 'm1'),
    ('下午工作', 'zh', '下午工作', 'f1'),
    ('今天学习', 'zh', '今天学习', 'm2'),
    ('我有猫', 'zh', '我有猫', 'm3'),
    ('我有狗', 'zh', '我有狗', 'm3'),
    ('我不要', 'zh', '我不要', 'm8'),
    ('红色的门', 'zh', '红色的门', 'Michael'),
    ('打开电话一八五', 'zh', '打开电话185', 'klatt2'),
    ('现在时间二九六', 'zh', '现在时间296', 'klatt2'),
    ('你好朋友', 'zh', '你好朋友', 'f2'),
    ('我们工作', 'zh', '我们工作', 'linda'),
]


def spoken_phrases() -> list[tuple[str, str, str, str]]:
    """The 50 phrases: (spoken text, language, expected text with itn, voice variant)."""
    return list(PHRASES)


def speak(text: str, language: str, variant: str = "m3") -> bytes:
    """``text`` spoken by espeak-ng (``en-us`` or Mandarin, with a voice variant) at neutral pitch
    and rate: 22.05 kHz WAV bytes with 0.2 s of silence on both sides."""
    from tools.minisv.corpus import ESPEAK_RATE, ZH_VOICE, check_mandarin, espeak

    samples, phonemes = espeak(text, f"{'en-us' if language == 'en' else ZH_VOICE}+{variant}", 170, 50)
    if language == "zh":
        check_mandarin(phonemes)
    samples = samples / (np.max(np.abs(samples)) + 1e-9) * 0.7
    pad = np.zeros(int(0.2 * ESPEAK_RATE), np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.concatenate([pad, samples, pad]), ESPEAK_RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0
