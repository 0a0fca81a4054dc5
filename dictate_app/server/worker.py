"""The one thread that runs the model, fed by a bounded queue, taking small dynamic batches.

Engines are not thread-safe and a CPU has no spare cores for two passes at once, so one worker
owns the engine; HTTP handlers only wait on a :class:`~concurrent.futures.Future`. Batches form by
themselves: whatever queued up while the previous pass ran (plus, optionally, a short wait) goes
into the next pass, up to ``max_batch`` clips with the same language and itn and similar lengths
(padding a 1 s clip to 20 s would cost more than it saves). The queue is bounded: a request that
would exceed it is refused at once with a Retry-After estimate, instead of waiting for minutes.
A job whose caller gave up (its client went away: the caller cancels the future) leaves the queue
at once and is never run; a job still waiting at its deadline is failed with 504, never run late.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from dictate_app.audio.convert import MODEL_RATE
from dictate_app.engine.base import Engine, transcribe_many
from dictate_app.engine.result import Transcript
from dictate_app.server.errors import Busy, Timeout

log = logging.getLogger(__name__)

# Clips join a batch only if their length is within this factor of the batch's first clip.
MAX_PAD_RATIO = 1.5


@dataclass(eq=False)  # identity, not field equality: numpy arrays do not compare to a bool
class Job:
    """One request's audio (16 kHz mono float32) waiting for the model."""

    audio: np.ndarray
    language: str
    itn: bool
    # time.monotonic() after which the job must not start (None: no deadline).
    deadline: float | None = None
    future: Future = field(default_factory=Future)
    queued_at: float = field(default_factory=time.monotonic)


class InferenceWorker:
    """Runs ``engine`` on one thread. :meth:`submit` returns a Future of a :class:`Transcript`.

    ``on_batch(size, seconds)`` is called after every model pass (metrics).
    """

    def __init__(
        self,
        engine: Engine,
        queue_size: int = 32,
        max_batch: int = 4,
        batch_wait_s: float = 0.0,
        on_batch: Callable[[int, float], None] | None = None,
    ) -> None:
        self.engine = engine
        self.queue_size = max(1, queue_size)
        self.max_batch = max(1, max_batch)
        self.batch_wait_s = max(0.0, batch_wait_s)
        self.on_batch = on_batch
        self._pending: collections.deque[Job] = collections.deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        # Seconds of model time per clip, smoothed: the basis of Retry-After.
        self._per_clip_s = 1.0

    # ---- life ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the model thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="dictate-inference", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the pass in progress, refuse what is still queued, and end the thread."""
        with self._cond:
            self._stopping = True
            left = list(self._pending)
            self._pending.clear()
            self._cond.notify_all()
        for job in left:
            if job.future.set_running_or_notify_cancel():
                job.future.set_exception(Busy("the server is shutting down; send the request again", 1))
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """True while the model thread runs and accepts work."""
        return self._thread is not None and self._thread.is_alive() and not self._stopping

    @property
    def depth(self) -> int:
        """Jobs waiting for the model (not counting the pass in progress)."""
        with self._cond:
            return len(self._pending)

    # ---- queue ---------------------------------------------------------------------------------
    def check_capacity(self) -> None:
        """Raise :class:`Busy` now if a job would be refused, before the caller decodes audio."""
        with self._cond:
            self._refuse_if_full()

    def submit(self, audio: np.ndarray, language: str, itn: bool, deadline: float | None = None) -> Future:
        """Queue 16 kHz mono float32 audio; raise :class:`Busy` if the queue is full.

        Cancel the returned future to withdraw the job; a job not started by ``deadline``
        (``time.monotonic()``) fails with :class:`Timeout`."""
        job = Job(audio, language, itn, deadline)
        with self._cond:
            self._refuse_if_full()
            self._pending.append(job)
            self._cond.notify()
        job.future.add_done_callback(lambda future: self._withdraw(job) if future.cancelled() else None)
        return job.future

    def _withdraw(self, job: Job) -> None:
        # A cancelled job must not hold a place in the queue: abandoned requests would fill it.
        with self._cond:
            try:
                self._pending.remove(job)
            except ValueError:
                pass  # already taken for a batch; the batch skips it

    def _refuse_if_full(self) -> None:
        if self._stopping:
            raise Busy("the server is shutting down; send the request again", 1)
        if len(self._pending) >= self.queue_size:
            raise Busy(
                f"the server is busy ({len(self._pending)} requests waiting); try again shortly",
                self.retry_after_s(),
            )

    def retry_after_s(self) -> float:
        """About one model pass: when the next batch leaves the queue, there is room again."""
        return max(1.0, self._per_clip_s * min(self.max_batch, max(1, len(self._pending))))

    # ---- the model thread ----------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self._run(batch)

    def _next_batch(self) -> list[Job] | None:
        with self._cond:
            while not self._pending and not self._stopping:
                self._cond.wait()
            if self._stopping:
                return None
            if self.batch_wait_s and len(self._pending) < self.max_batch:
                # Give concurrent requests a moment to arrive; wakes early when enough are queued.
                deadline = time.monotonic() + self.batch_wait_s
                while len(self._pending) < self.max_batch and not self._stopping:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not self._cond.wait(remaining):
                        break
                if self._stopping:
                    return None
            first = self._pending.popleft()
            batch, rest = [first], []
            n = first.audio.size
            for job in self._pending:
                if (
                    len(batch) < self.max_batch
                    and (job.language, job.itn) == (first.language, first.itn)
                    and n / MAX_PAD_RATIO <= job.audio.size <= n * MAX_PAD_RATIO
                ):
                    batch.append(job)
                else:
                    rest.append(job)  # keeps its place in the queue
            self._pending = collections.deque(rest)
        # A caller that gave up (client went away) cancelled its future: skip its audio.
        now = time.monotonic()
        ready = []
        for job in batch:
            if not job.future.set_running_or_notify_cancel():
                continue
            if job.deadline is not None and now > job.deadline:
                job.future.set_exception(Timeout(
                    f"the request waited {now - job.queued_at:.0f} s in the queue and could not reach "
                    "the model before its deadline; the server is overloaded, try again later"))
                continue
            ready.append(job)
        return ready

    def _run(self, batch: list[Job]) -> None:
        if not batch:
            return
        started = time.perf_counter()
        try:
            results = transcribe_many(
                self.engine, [(job.audio, MODEL_RATE) for job in batch], batch[0].language, batch[0].itn
            )
        except Exception as exc:
            if len(batch) == 1:
                log.warning("transcription failed: %s", exc, exc_info=log.isEnabledFor(logging.DEBUG))
                batch[0].future.set_exception(exc)
                return
            # One bad clip must not fail its neighbours: run them one by one to isolate it.
            log.warning("a batch of %d failed (%s); running its clips one by one", len(batch), exc)
            for job in batch:
                self._run_alone(job)
            return
        elapsed = time.perf_counter() - started
        self._learn(elapsed / len(batch))
        if self.on_batch:
            self.on_batch(len(batch), elapsed)
        for job, result in zip(batch, results):
            job.future.set_result(result)

    def _run_alone(self, job: Job) -> None:
        started = time.perf_counter()
        try:
            result: Transcript = self.engine.transcribe(job.audio, MODEL_RATE, job.language, job.itn)
        except Exception as exc:
            log.warning("transcription failed: %s", exc)
            job.future.set_exception(exc)
            return
        if self.on_batch:
            self.on_batch(1, time.perf_counter() - started)
        job.future.set_result(result)

    def _learn(self, per_clip_s: float) -> None:
        self._per_clip_s = 0.8 * self._per_clip_s + 0.2 * per_clip_s
