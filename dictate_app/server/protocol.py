"""uvicorn's HTTP/1.1 protocol with the limits it lacks: header and body timeouts, a connection
limit that keeps the server answering, and JSON for the refusals made below the application.

Measured on the plain protocol: 20 connections sending their headers a byte at a time were never
dropped, and 125 idle sockets on a server limited to 128 open files stopped ``/health`` from
answering (no file descriptor was left to accept it). Here:

- **Headers** must be complete within ``header_timeout_s`` of the connection opening, or of the
  first byte of the next request on a kept-alive connection (uvicorn's keep-alive timeout covers
  the idle gap in between). A connection that sent nothing is closed; one that sent part of its
  headers gets 408.
- **Bodies** must arrive within ``body_timeout_s`` plus 1 s per ``body_min_rate`` bytes received
  (as Apache's mod_reqtimeout): a stalled upload gets 408, a slow honest one goes through.
- **Connections** are limited to ``max_connections``, itself kept under the open-files limit
  (:func:`connection_budget`). A new connection over the limit takes the place of the connection
  that has waited longest without sending a request (idle, or still sending its headers); only if
  every connection is busy with a request is the new one refused with 503. So idle or slow
  sockets can neither exhaust the file descriptors nor keep a health check out.
- Malformed HTTP gets a JSON 400 instead of uvicorn's plain text.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from http import HTTPStatus

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from dictate_app.server.errors import error_json

log = logging.getLogger(__name__)

# File descriptors kept free beside the connections, the intake's upload files and accept bursts:
# the loop's own, logging, a file the model may open.
SPARE_FILES = 32
# asyncio accepts up to `backlog` connections per loop turn, and a connection's descriptor is freed
# two turns after we close it: about three backlogs can be open over the limit for a moment. The
# backlog is also the kernel's queue of connections not yet accepted: a client that connects faster
# than the loop accepts (a few thousand a second) fills it, and its next connection waits for the
# kernel's 1 s SYN retry, so it is as large as the open-files limit allows (uvicorn's default: 2048).
BURST_BACKLOGS = 3
MAX_BACKLOG = 512

@dataclass(frozen=True)
class ConnectionLimits:
    """The limits one server's connections live under (from :class:`ServerSettings`)."""

    max_connections: int
    header_timeout_s: float
    body_timeout_s: float
    body_min_rate: int


def raise_open_files_limit() -> int | None:
    """Raise this process's soft limit on open files to the hard limit; the new soft limit, or
    None where there is no such limit (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:  # some platforms cap it lower than they report
            log.info("could not raise the open-files limit to %d: %s", hard, exc)
    return None if soft == resource.RLIM_INFINITY else soft


def open_files_now() -> int:
    """File descriptors this process has open (Linux: counted; elsewhere a guess of 64)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 64


def connection_budget(wanted: int, open_files: int | None, in_use: int, uploads: int) -> tuple[int, int]:
    """(connections, listen backlog) that fit under ``open_files``: ``wanted`` connections at most,
    beside the ``in_use`` descriptors, ``uploads`` temporary files (one per request in the intake),
    :data:`SPARE_FILES`, and a burst of accepts of :data:`BURST_BACKLOGS` backlogs (the backlog is
    the room's eighth, 8 to :data:`MAX_BACKLOG`). At least one connection."""
    if open_files is None:
        return max(1, wanted), MAX_BACKLOG
    room = open_files - in_use - uploads - SPARE_FILES
    backlog = min(MAX_BACKLOG, max(8, room // 8))
    return max(1, min(wanted, room - BURST_BACKLOGS * backlog)), backlog


def protocol_class(limits: ConnectionLimits) -> type[H11Protocol]:
    """A protocol class for ``uvicorn.Config(http=...)`` enforcing ``limits``."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"limits": limits})


def raw_response(status: int, message: str, headers: dict[str, str] | None = None) -> bytes:
    """A complete ``Connection: close`` HTTP/1.1 answer with our JSON error body, for refusals made
    where no request (or no application) can answer."""
    body = error_json(status, message)
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "content-type: application/json",
             f"content-length: {len(body)}", "connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class GuardedH11Protocol(H11Protocol):
    """One connection; see the module docstring. Subclassed by :func:`protocol_class`."""

    limits: ConnectionLimits

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._timer = None
        self._waiting_since = time.monotonic()  # waiting for a request since (eviction order)
        self._got_bytes = False  # some of the current request's headers have arrived
        self._body_started = 0.0
        self._body_bytes = 0
        open_ = sum(1 for c in self.connections if c.transport is not None and not c.transport.is_closing())
        if open_ > self.limits.max_connections and not self._make_room():
            log.warning("refused a connection: all %d connections are busy with requests", open_ - 1)
            transport.write(raw_response(503, f"the server has {open_ - 1} connections busy with requests, its "
                                              "limit; try again shortly", {"retry-after": "1"}))
            transport.close()
            return
        self._arm(self.limits.header_timeout_s, self._headers_late)

    def _make_room(self) -> bool:
        """Close the connection that has waited longest without sending a request."""
        waiting = [c for c in self.connections if c is not self and isinstance(c, GuardedH11Protocol)
                   and c._awaiting_request()]
        if not waiting:
            return False
        oldest = min(waiting, key=lambda c: c._waiting_since)
        log.info("connection limit (%d) reached: closing the longest idle connection", self.limits.max_connections)
        oldest._close_quietly()
        return True

    def _awaiting_request(self) -> bool:
        return self.conn.their_state is h11.IDLE and not self.transport.is_closing()

    # ---- timers --------------------------------------------------------------------------------
    def _arm(self, delay: float, callback) -> None:
        self._disarm()
        self._timer = self.loop.call_later(max(0.0, delay), callback)

    def _disarm(self) -> None:
        if getattr(self, "_timer", None) is not None:
            self._timer.cancel()
            self._timer = None

    def _headers_late(self) -> None:
        self._timer = None
        if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            return
        if self._got_bytes:
            self.transport.write(raw_response(408, f"the request headers did not arrive within "
                                                   f"{self.limits.header_timeout_s:g} s; send them at once"))
        self._close_quietly()

    def _body_late(self) -> None:
        self._timer = None
        if self.conn.their_state is not h11.SEND_BODY or self.transport.is_closing():
            return
        allowed = (self._body_started + self.limits.body_timeout_s
                   + self._body_bytes / max(1, self.limits.body_min_rate))
        now = time.monotonic()
        if now < allowed:  # the body kept coming: it earned more time
            self._arm(allowed - now, self._body_late)
            return
        if self.cycle is not None and not self.cycle.response_started:
            self.transport.write(raw_response(408, (
                f"the request body arrived too slowly ({self._body_bytes} bytes in {now - self._body_started:.0f} s; "
                f"this server waits {self.limits.body_timeout_s:g} s plus 1 s per "
                f"{self.limits.body_min_rate // 1024} KB); send it at once")))
        self._close_quietly()

    def _close_quietly(self) -> None:
        self._disarm()
        if self.cycle is not None and not self.cycle.response_complete:
            # The application sees the client go away (and stops waiting for the body).
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()

    def _follow_state(self) -> None:
        """Arm the timer that fits where the current request is."""
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            if self._body_started == 0.0:
                self._body_started = time.monotonic()
                self._arm(self.limits.body_timeout_s, self._body_late)
        elif state is h11.IDLE:
            if self._got_bytes and self._timer is None:  # the first bytes of a kept-alive request
                self._arm(self.limits.header_timeout_s, self._headers_late)
        else:  # DONE (the application has it), MUST_CLOSE, CLOSED, ERROR
            self._disarm()

    # ---- uvicorn's hooks -----------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            self._got_bytes = True
        elif self.conn.their_state is h11.SEND_BODY:
            self._body_bytes += len(data)
        super().data_received(data)
        if not self.transport.is_closing():
            self._follow_state()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.IDLE:  # ready for the next request: keep-alive timer runs
            self._got_bytes = False
            self._body_started, self._body_bytes = 0.0, 0
            self._waiting_since = time.monotonic()
            self._disarm()
        if not self.transport.is_closing():
            self._follow_state()  # a pipelined request may already be here

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers malformed HTTP in plain text; the same answer in our JSON shape.
        self._disarm()
        self.transport.write(raw_response(400, "the request is not valid HTTP/1.1 (malformed, or over 16 KB "
                                               "of headers); send a well-formed request"))
        self.transport.close()
