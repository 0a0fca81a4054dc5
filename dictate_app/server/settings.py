"""What a server is started with, and the rule that keeps it private by default.

The server binds to loopback unless told otherwise. Any other address makes the model reachable
from the network, so it needs a token: clients then send ``Authorization: Bearer TOKEN``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dictate_app.errors import DictateError
from dictate_app.net import is_loopback

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 2002
# The name the OpenAI-compatible API reports; any `model` a client sends is accepted.
MODEL_NAME = "sensevoice-small"


@dataclass(frozen=True)
class ServerSettings:
    """Limits and knobs of one server process (defaults suit one CPU or GPU box)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None
    # OpenAI's own upload limit; about 13 minutes of 16 kHz 16-bit mono WAV.
    max_bytes: int = 25 * 1024 * 1024
    max_seconds: float = 300.0
    # Requests waiting for the model; one more gets 503 + Retry-After instead of a long wait.
    queue_size: int = 32
    # Clips transcribed in one padded pass; small, because padding costs compute on a CPU.
    max_batch: int = 4
    # How long the worker waits for company before running a lone clip (0: never waits).
    batch_wait_ms: float = 0.0
    # A request whose audio has not reached the model this long after it arrived gets 504, so a
    # backlog never turns into minutes of waiting (the longest clip takes ~30 s of CPU model time).
    deadline_s: float = 60.0
    # Connections held at once; the open-files limit may lower it (see protocol.connection_budget).
    max_connections: int = 1000
    # The request headers must arrive within this time of the connection opening (or of the next
    # request's first byte on a kept-alive connection): a real client sends them in one packet.
    header_timeout_s: float = 10.0
    # The body must arrive within this time plus 1 s per `body_min_rate` bytes received (as
    # Apache's mod_reqtimeout): a stalled upload ends, a slow honest one (64 KB/s) goes through.
    body_timeout_s: float = 30.0
    body_min_rate: int = 64 * 1024
    # Web pages allowed to call the server from a browser ("https://app.example"); none by default.
    allowed_origins: tuple[str, ...] = ()
    # Threads that parse JSON and decode audio (the model has its own thread).
    decode_threads: int = 2

    @property
    def intake_requests(self) -> int:
        """Requests that may hold a body or wait for decoding at once: the queue's size again, so
        the stage in front of the model is bounded like the model's queue."""
        return self.queue_size

    @property
    def intake_bytes(self) -> int:
        """Request bodies held in memory at once: 256 MiB, or two of the largest if that is more."""
        return max(256 * 2**20, 2 * self.max_body_bytes)

    @property
    def max_body_bytes(self) -> int:
        """The largest request body: the audio in base64 (4/3) plus room for the JSON/form."""
        return self.max_bytes * 4 // 3 + 64 * 1024


def check_exposure(settings: ServerSettings) -> None:
    """Refuse a non-loopback address without a token (the model would be open to the network)."""
    if not is_loopback(settings.host) and not settings.token:
        raise DictateError(
            f"binding to {settings.host} makes the server reachable from the network; give it a "
            "token (--token-file PATH, $DICTATE_SERVER_TOKEN, or --token TOKEN) so clients must send "
            "'Authorization: Bearer TOKEN', or keep the default --host 127.0.0.1"
        )


def access_line(settings: ServerSettings, port: int) -> str:
    """The start-up sentence saying who can reach the server and how."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{host}:{port}"
    if is_loopback(settings.host):
        who = "loopback only (this machine)"
        auth = "requests need 'Authorization: Bearer <token>'" if settings.token else "no token needed"
    else:
        who = "reachable from the network"
        auth = "every request except /health needs 'Authorization: Bearer <token>'"
    return f"Dictate server listening on {url}: {who}, {auth}"
