"""The bounded stage in front of the model's queue: reading a request's body, parsing its JSON and
base64, decoding its audio.

Only the model's queue used to be bounded: bodies were read and parsed on Starlette's thread pool
for as many requests as arrived (30 MB of ``[]`` took the server 790 MB). Now a request holds a
:class:`Ticket` from before the first byte of its body is read until its audio is queued for the
model. A ticket is given only while fewer than ``max_requests`` are out and the request's body fits
in ``max_bytes`` with the bodies already held (a body of unknown length counts as the largest
allowed); otherwise the request gets 503 with Retry-After at once, instead of an unbounded wait.
The CPU work runs on a pool of ``threads`` threads of its own, whose queue the tickets bound.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from dictate_app.server.errors import Busy


class Ticket:
    """One admitted request's place in the stage; :meth:`release` it once (idempotent)."""

    def __init__(self, intake: "Intake", size: int) -> None:
        self._intake = intake
        self.size = size
        self.started = time.monotonic()
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._intake._release(self)


class Intake:
    """Admission to the parse/decode stage, and the threads that run it."""

    def __init__(self, max_requests: int, max_bytes: int, threads: int) -> None:
        self.max_requests = max(1, max_requests)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._held_requests = 0
        self._held_bytes = 0
        # Seconds a ticket is held, smoothed: the basis of Retry-After.
        self._hold_s = 1.0
        self._pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="dictate-decode")

    @property
    def held(self) -> tuple[int, int]:
        """(requests, body bytes) in the stage now."""
        with self._lock:
            return self._held_requests, self._held_bytes

    def admit(self, size: int) -> Ticket:
        """A ticket for a request whose body is ``size`` bytes; :class:`Busy` if there is no room."""
        with self._lock:
            if self._held_requests >= self.max_requests or self._held_bytes + size > self.max_bytes:
                raise Busy(f"the server is busy reading and decoding {self._held_requests} other requests; "
                           "try again shortly", self._hold_s)
            self._held_requests += 1
            self._held_bytes += size
        return Ticket(self, size)

    def _release(self, ticket: Ticket) -> None:
        with self._lock:
            self._held_requests -= 1
            self._held_bytes -= ticket.size
            self._hold_s = 0.8 * self._hold_s + 0.2 * (time.monotonic() - ticket.started)

    async def run(self, fn, *args):
        """``fn(*args)`` on the stage's threads."""
        return await asyncio.wrap_future(self._pool.submit(fn, *args))

    def shutdown(self) -> None:
        """Drop what has not started; the threads end after their current call."""
        self._pool.shutdown(wait=False, cancel_futures=True)
